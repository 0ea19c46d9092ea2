"""OpenAPI 3 driven routing: the spec is the contract, views are bound by ``operationId``.

The book's flakon routed Swagger 2 operations to views; this does the same for OpenAPI 3
and validates every request with openapi-core before the view runs.  The operation's
``security`` (HTTP bearer scopes) is enforced by :mod:`runnerly_common.auth.scopes`, so a
route's scopes live in one place: the spec.  With ``OPENAPI_VALIDATE_RESPONSES`` set (tests
do), every response is checked against the spec too.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Flask, Response, current_app, g, render_template, request
from openapi_core import OpenAPI
from openapi_core.contrib.flask import FlaskOpenAPIRequest, FlaskOpenAPIResponse
from openapi_core.deserializing.media_types.exceptions import MediaTypeDeserializeError
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.validation.request.exceptions import SecurityValidationError
from werkzeug.exceptions import HTTPException

from runnerly_common.auth.scopes import authenticate, check_scopes
from runnerly_common.auth.verify import scopes_of
from runnerly_common.errors import APIError, error_response

log = logging.getLogger(__name__)
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_PATH_PARAM = re.compile(r"{([^}/]+)}")


class RequestValidationFailed(APIError):
    """400 (or 415) naming each field that does not match the spec."""

    def __init__(self, errors: list[dict[str, str]], status: int = 400) -> None:
        first = errors[0]
        code = "unsupported_media_type" if status == 415 else "invalid_request"
        super().__init__(status, code, f"{first['field']}: {first['message']}", errors=errors)


class OpenAPIBlueprint(Blueprint):
    """A blueprint whose routes come from an OpenAPI 3 document.

    ``spec_path`` is a YAML or JSON file, or a folder of them (see :func:`load_spec`).
    The spec is served at ``<prefix>/openapi.json``
    and a readable page at ``<prefix>/docs``.
    """

    def __init__(
        self,
        name: str,
        import_name: str,
        spec_path: str | Path,
        url_prefix: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, import_name, url_prefix=url_prefix, **kwargs)
        spec = load_spec(Path(spec_path))
        if url_prefix and not spec.get("servers"):
            spec["servers"] = [{"url": url_prefix}]
        self.spec: dict[str, Any] = spec
        self.openapi = OpenAPI.from_dict(copy.deepcopy(spec))  # also validates the spec
        self.operations: dict[str, tuple[str, str, dict[str, Any]]] = {}
        for path, item in spec.get("paths", {}).items():
            for method in HTTP_METHODS:
                operation = item.get(method)
                if operation and operation.get("operationId"):
                    self.operations[operation["operationId"]] = (path, method, operation)
        self.bound: set[str] = set()
        self.add_url_rule("/openapi.json", "openapi_spec", self._serve_spec)
        self.add_url_rule("/docs", "openapi_docs", self._serve_docs)
        self.after_request(self._validate_response)

    def operation(self, operation_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Bind a view to the spec's ``operationId``; path parameters arrive typed."""
        if operation_id not in self.operations:
            raise KeyError(f"operationId {operation_id!r} is not in the spec")
        path, method, operation = self.operations[operation_id]
        requirements = _bearer_requirements(self.spec, operation)

        def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def wrapper(**_url_values: Any) -> Any:
                if requirements is not None:
                    _enforce(requirements)
                result = self.openapi.unmarshal_request(FlaskOpenAPIRequest(request))
                errors = [e for e in result.errors if not isinstance(e, SecurityValidationError)]
                if errors:
                    raise _validation_failure(errors)
                problems = list(_unstorable_text(result.body, "body"))
                if problems:
                    raise RequestValidationFailed(problems)
                g.openapi_body = result.body
                g.openapi_parameters = result.parameters
                return view(**result.parameters.path)

            rule = _PATH_PARAM.sub(r"<\1>", path)
            self.add_url_rule(rule, operation_id, wrapper, methods=[method.upper()])
            self.bound.add(operation_id)
            return view

        return decorate

    def check_all_bound(self) -> None:
        """Fail fast when the spec promises an operation no view serves."""
        missing = set(self.operations) - self.bound
        if missing:
            raise RuntimeError(f"operations without a view: {', '.join(sorted(missing))}")

    def _serve_spec(self) -> dict[str, Any]:
        return self.spec

    def _serve_docs(self) -> str:
        return render_template(
            "openapi_docs.html", spec=self.spec, methods=HTTP_METHODS, prefix=self.url_prefix or ""
        )

    def _validate_response(self, response: Response) -> Response:
        if not current_app.config.get("OPENAPI_VALIDATE_RESPONSES"):
            return response
        endpoint = (request.endpoint or "").rpartition(".")[2]
        if endpoint not in self.operations:
            return response
        try:
            result = self.openapi.unmarshal_response(
                FlaskOpenAPIRequest(request), FlaskOpenAPIResponse(response)
            )
        except HTTPException:  # the request body cannot be read (413): already answered
            return response
        if result.errors:
            details = "; ".join(f"{e}: {e.__cause__}" for e in result.errors)
            log.error("response does not match the spec: %s", details)
            # Answered, not raised: an exception in an after_request hook escapes the
            # error handlers (the client would get a generic 500, tests an exception).
            return error_response(
                500, "invalid_response", f"response does not match the spec: {details}"
            )
        return response


def load_spec(path: Path) -> dict[str, Any]:
    """A spec from one file, or from a folder: ``index.yaml`` (info, security, shared
    components) merged with every other ``*.yaml`` in it, each holding the ``paths`` and
    ``components`` of one resource.  References stay local (``#/components/...``): they
    resolve in the merged document.  A name defined twice is an error, not an override."""
    if path.is_file():
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    spec = yaml.safe_load((path / "index.yaml").read_text(encoding="utf-8"))
    spec.setdefault("paths", {})
    for fragment_path in sorted(path.glob("*.yaml")):
        if fragment_path.name == "index.yaml":
            continue
        fragment = yaml.safe_load(fragment_path.read_text(encoding="utf-8")) or {}
        _merge(spec["paths"], fragment.get("paths", {}), f"{fragment_path.name}: path")
        for kind, entries in fragment.get("components", {}).items():
            target = spec.setdefault("components", {}).setdefault(kind, {})
            _merge(target, entries, f"{fragment_path.name}: components.{kind}")
    return spec


def _merge(target: dict[str, Any], entries: dict[str, Any], where: str) -> None:
    for name, value in entries.items():
        if name in target:
            raise ValueError(f"{where} {name!r} is defined twice")
        target[name] = value


def request_body() -> Any:
    """The validated, decoded request body of the current operation."""
    return g.openapi_body


def query_params() -> dict[str, Any]:
    """The validated, typed query parameters of the current operation."""
    return dict(g.openapi_parameters.query)


def init_app(app: Flask) -> None:
    """Make the docs template findable (the blueprint lives in the toolkit package)."""
    app.jinja_loader = _combined_loader(app)


def _combined_loader(app: Flask) -> Any:
    from jinja2 import ChoiceLoader, PackageLoader

    loaders = [loader for loader in (app.jinja_loader,) if loader is not None]
    return ChoiceLoader([*loaders, PackageLoader("runnerly_common", "templates")])


def _bearer_requirements(
    spec: dict[str, Any], operation: dict[str, Any]
) -> list[tuple[str, ...]] | None:
    """Scope sets of which one must be held, or None when the toolkit checks nothing."""
    schemes = spec.get("components", {}).get("securitySchemes", {})
    requirements = operation.get("security", spec.get("security"))
    if not requirements:
        return None
    alternatives = []
    for requirement in requirements:
        bearer = {
            name: tuple(scopes)
            for name, scopes in requirement.items()
            if schemes.get(name, {}).get("type") == "http"
            and schemes[name].get("scheme", "").lower() == "bearer"
        }
        if len(bearer) != len(requirement) or not requirement:
            return None  # anonymous or another scheme is allowed: the view decides
        alternatives.append(tuple(s for scopes in bearer.values() for s in scopes))
    return alternatives


def _enforce(alternatives: list[tuple[str, ...]]) -> None:
    held = scopes_of(authenticate())
    if not any(set(scopes) <= held for scopes in alternatives):
        check_scopes(alternatives[0])  # raises 403 naming the first alternative


def _validation_failure(errors: list[Exception]) -> RequestValidationFailed:
    details: list[dict[str, str]] = []
    status = 400
    for error in errors:
        cause = error.__cause__
        if isinstance(cause, MediaTypeNotFound):
            status = 415
            details.append(
                {
                    "field": "body",
                    "message": "unsupported content type; expected "
                    + " or ".join(cause.availableMimetypes),
                }
            )
            continue
        location = getattr(error, "location", None)
        field = f"{location}.{error.name}" if location else "body"  # type: ignore[attr-defined]
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            for schema_error in schema_errors:
                details.extend(_schema_problems(field, schema_error))
        elif isinstance(cause, MediaTypeDeserializeError):
            # Its str() decodes the raw body, which fails on bytes that are not UTF-8.
            details.append({"field": field, "message": "is not valid " + _mimetype(cause)})
        elif cause is not None:
            details.append({"field": field, "message": _short(str(cause))})
        else:
            details.append({"field": field, "message": _short(str(error))})
    return RequestValidationFailed(details, status)


def _unstorable_text(value: Any, field: str) -> Iterator[dict[str, str]]:
    """Strings no database keeps: NUL characters (PostgreSQL refuses them) and lone UTF-16
    surrogates (JSON can escape them, UTF-8 cannot encode them)."""
    if isinstance(value, str):
        if "\x00" in value:
            yield {"field": field, "message": "must not contain NUL characters"}
        elif any("\ud800" <= c <= "\udfff" for c in value):
            yield {"field": field, "message": "is not valid Unicode (lone surrogate)"}
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable_text(item, f"{field}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable_text(item, f"{field}[{index}]")


def _schema_problems(field: str, error: Any) -> list[dict[str, str]]:
    """Per-field problems of one JSON-schema error, naming the property itself when it is
    missing or not allowed (jsonschema reports those at the enclosing object)."""
    path = field + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in instance]
        return [{"field": f"{path}.{name}", "message": "is required"} for name in missing]
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = set(error.schema.get("properties", {}))
        extra = sorted(name for name in instance if name not in known)
        if extra:
            return [{"field": f"{path}.{name}", "message": "is not allowed"} for name in extra]
    return [{"field": path, "message": error.message}]


def _mimetype(cause: Exception) -> str:
    mimetype = getattr(cause, "mimetype", "")
    return "JSON" if "json" in mimetype else mimetype or "content"


def _short(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."
