"""OpenAPI 3 driven routing: the spec is the contract, views are bound by ``operationId``.

The book's flakon routed Swagger 2 operations to views; this does the same for OpenAPI 3
and validates every request against it (see :mod:`runnerly_common.openapi_validation`)
before the view runs.  The operation's
``security`` (HTTP bearer scopes) is enforced by :mod:`runnerly_common.auth.scopes`, so a
route's scopes live in one place: the spec.  With ``OPENAPI_VALIDATE_RESPONSES`` set (tests
do), every response is checked against the spec too.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from flask import Blueprint, Flask, Response, current_app, g, render_template, request

from runnerly_common import dates
from runnerly_common.auth.scopes import authenticate, check_scopes
from runnerly_common.auth.verify import scopes_of
from runnerly_common.errors import APIError, error_response
from runnerly_common.openapi_validation import (
    OperationValidator,
    RequestProblems,
    SpecValidators,
)
from runnerly_common.security_headers import policy, set_page_policy

log = logging.getLogger(__name__)
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_PATH_PARAM = re.compile(r"{([^}/]+)}")
# The docs page is static HTML and its stylesheet, both from here: nothing else may load.
DOCS_POLICY = policy(
    {
        "default-src": "'none'",
        "style-src": "'self'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
    }
)
_DOCS_STYLE = resources.files("runnerly_common") / "templates" / "openapi_docs.css"


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
    and a readable page at ``<prefix>/docs`` (its style at ``<prefix>/docs.css``).
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
        path = Path(spec_path).resolve()
        compiled = _compile(path, _fingerprint(path), url_prefix)
        self.spec: dict[str, Any] = compiled.spec
        self.operations: dict[str, tuple[str, str, dict[str, Any]]] = compiled.operations
        self.validators: dict[str, OperationValidator] = compiled.validators
        self.bound: set[str] = set()
        self.add_url_rule("/openapi.json", "openapi_spec", self._serve_spec)
        self.add_url_rule("/docs", "openapi_docs", self._serve_docs)
        self.add_url_rule("/docs.css", "openapi_docs_style", _serve_docs_style)
        self.after_request(self._validate_response)

    def operation(self, operation_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Bind a view to the spec's ``operationId``; path parameters arrive typed."""
        if operation_id not in self.operations:
            raise KeyError(f"operationId {operation_id!r} is not in the spec")
        path, method, operation = self.operations[operation_id]
        requirements = _bearer_requirements(self.spec, operation)
        validator = self.validators[operation_id]

        def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def wrapper(**url_values: Any) -> Any:
                if requirements is not None:
                    _enforce(requirements)
                try:
                    validated = validator.validate_request(request, url_values)
                except RequestProblems as exc:
                    raise RequestValidationFailed(exc.problems, exc.status) from None
                g.openapi_body = validated.body
                g.openapi_query = validated.query
                return view(**validated.path)

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

    def _serve_docs(self) -> Response:
        page = render_template(
            "openapi_docs.html", spec=self.spec, methods=HTTP_METHODS, prefix=self.url_prefix or ""
        )
        return set_page_policy(Response(page, mimetype="text/html"), DOCS_POLICY)

    def _validate_response(self, response: Response) -> Response:
        if not current_app.config.get("OPENAPI_VALIDATE_RESPONSES"):
            return response
        endpoint = (request.endpoint or "").rpartition(".")[2]
        if endpoint not in self.validators:
            return response
        problems = self.validators[endpoint].validate_response(response)
        if problems:
            details = "; ".join(problems)
            log.error("response does not match the spec: %s", details)
            # Answered, not raised: an exception in an after_request hook escapes the
            # error handlers (the client would get a generic 500, tests an exception).
            return error_response(
                500, "invalid_response", f"response does not match the spec: {details}"
            )
        return response


def _serve_docs_style() -> Response:
    response = Response(_DOCS_STYLE.read_bytes(), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


class _Compiled(NamedTuple):
    spec: dict[str, Any]
    operations: dict[str, tuple[str, str, dict[str, Any]]]
    validators: dict[str, OperationValidator]


def _fingerprint(path: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of the spec's files: a changed file is read again."""
    files = [path] if path.is_file() else sorted(path.glob("*.yaml"))
    return tuple((f.name, (st := f.stat()).st_size, st.st_mtime_ns) for f in files)


# Reading, checking and compiling a spec took ~0.7 s, paid by every app a process creates
# (each test creates one): the result depends only on the files, and nothing writes to it
# after (the spec is served as it is, validators keep no state between requests).
@functools.lru_cache(maxsize=32)
def _compile(
    path: Path, _files: tuple[tuple[str, int, int], ...], url_prefix: str | None
) -> _Compiled:
    spec = load_spec(path)
    if url_prefix and not spec.get("servers"):
        spec["servers"] = [{"url": url_prefix}]
    validators = SpecValidators(spec)  # also checks the document itself
    compiled = _Compiled(spec, {}, {})
    for route, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation and operation.get("operationId"):
                compiled.operations[operation["operationId"]] = (route, method, operation)
                compiled.validators[operation["operationId"]] = validators.operation(
                    item, operation
                )
    return compiled


def load_spec(path: Path) -> dict[str, Any]:
    """A spec from one file, or from a folder: ``index.yaml`` (info, security, shared
    components) merged with every other ``*.yaml`` in it, each holding the ``paths`` and
    ``components`` of one resource.  References stay local (``#/components/...``): they
    resolve in the merged document.  A name defined twice is an error, not an override."""
    if path.is_file():
        spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        dates.bound_spec_dates(spec)
        return spec
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
    # One range for every date Runnerly stores, written into the spec it serves and checks.
    dates.bound_spec_dates(spec)
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
    return dict(g.openapi_query)


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
