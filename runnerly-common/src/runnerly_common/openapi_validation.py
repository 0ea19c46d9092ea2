"""Request and response validation against an OpenAPI 3.1 document, compiled per operation.

We validate with ``jsonschema`` (OpenAPI 3.1 schemas are JSON Schema 2020-12) and check the
document itself with ``openapi-spec-validator``.  openapi-core, the usual choice, was
measured here at about 4 ms per GET and 2.7 s for a 1,000-run batch body, because it walks
the spec anew on every request.  Here every parameter, body and response gets its check
compiled once at start-up (see :mod:`runnerly_common.schema_check`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Request, Response
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from runnerly_common import json_body
from runnerly_common.openapi_values import (
    Converter,
    FieldError,
    cast,
    converter,
    schema_problems,
    types_of,
    unstorable_text,
)
from runnerly_common.schema_check import SchemaCheck

SPEC_URI = "urn:runnerly:openapi"
MAX_ERRORS = 20


@dataclass
class ValidatedRequest:
    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None


class SpecValidators:
    """Validators for every operation of one spec, built once."""

    def __init__(self, spec: dict[str, Any]) -> None:
        if not str(spec.get("openapi", "")).startswith("3.1"):
            raise ValueError("only OpenAPI 3.1 documents are supported")
        validate_spec(spec)
        self.spec = spec
        absolute = _absolute_refs(spec)
        self.registry = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(absolute))
        self._absolute = absolute

    def schema_validator(self, schema: dict[str, Any]) -> SchemaCheck:
        full = Draft202012Validator(
            _absolute_refs(schema),
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        try:
            inlined = self.inline(schema)
        except RecursionError:
            inlined = None
        return SchemaCheck(full, inlined)

    def inline(self, schema: Any, stack: tuple[str, ...] = ()) -> Any:
        """The schema with every local ``$ref`` replaced by what it names; raises
        :class:`RecursionError` for recursive references, which cannot be inlined."""
        if isinstance(schema, list):
            return [self.inline(item, stack) for item in schema]
        if not isinstance(schema, dict):
            return schema
        out: dict[str, Any] = {}
        if "$ref" in schema:
            ref = schema["$ref"]
            if ref in stack or not str(ref).startswith("#/"):
                raise RecursionError(ref)
            out.update(self.inline(self.resolve({"$ref": ref}), (*stack, ref)))
        out.update({k: self.inline(v, stack) for k, v in schema.items() if k != "$ref"})
        return out

    def resolve(self, schema: Any) -> Any:
        """Follow ``$ref`` chains to the schema they name."""
        seen = set()
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if ref in seen or not ref.startswith("#/"):
                break
            seen.add(ref)
            schema = self.spec
            for part in ref[2:].split("/"):
                schema = schema[part.replace("~1", "/").replace("~0", "~")]
        return schema

    def operation(self, path_item: dict[str, Any], operation: dict[str, Any]) -> OperationValidator:
        return OperationValidator(self, path_item, operation)


class _Parameter:
    def __init__(self, specs: SpecValidators, definition: dict[str, Any]) -> None:
        definition = specs.resolve(definition)
        self.name: str = definition["name"]
        self.location: str = definition["in"]
        if self.location not in ("path", "query"):
            raise ValueError(f"{self.location} parameters are not supported ({self.name})")
        self.required = bool(definition.get("required"))
        self.schema = specs.resolve(definition.get("schema", {}))
        self.is_array = "array" in types_of(self.schema)
        self.validator = specs.schema_validator(definition.get("schema", {}))
        self.converter = converter(specs.resolve, definition.get("schema", {}))
        self.field = f"{self.location}.{self.name}"

    def parse(self, raw: list[str]) -> Any:
        item_schema = _items_schema(self.schema) if self.is_array else self.schema
        values = [cast(text, item_schema, self.field) for text in raw]
        value = values if self.is_array else values[0]
        errors = sorted(self.validator.iter_errors(value), key=lambda e: [str(p) for p in e.path])
        if errors:
            problem = schema_problems(self.field, errors[0])[0]
            raise FieldError(problem["field"], problem["message"])
        return self.converter(value, self.field) if self.converter else value


def _items_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return schema.get("items", {}) if isinstance(schema.get("items"), dict) else {}


class OperationValidator:
    def __init__(
        self, specs: SpecValidators, path_item: dict[str, Any], operation: dict[str, Any]
    ) -> None:
        by_key = {}
        for definition in [*path_item.get("parameters", []), *operation.get("parameters", [])]:
            parameter = _Parameter(specs, definition)
            by_key[(parameter.location, parameter.name)] = parameter  # operation's win
        self.parameters = list(by_key.values())
        body = specs.resolve(operation.get("requestBody", {}))
        self.body_required = bool(body.get("required"))
        self.media: dict[str, tuple[SchemaCheck | None, Converter | None]] = {}
        for mimetype, media in body.get("content", {}).items():
            schema = media.get("schema")
            if schema is None or mimetype == "application/octet-stream":
                self.media[mimetype] = (None, None)
            else:
                self.media[mimetype] = (
                    specs.schema_validator(schema),
                    converter(specs.resolve, schema),
                )
        self.responses = _response_validators(specs, operation.get("responses", {}))

    def validate_request(self, request: Request, url_values: Mapping[str, str]) -> ValidatedRequest:
        """The typed parameters and decoded body, or :class:`RequestProblems`."""
        result, problems = ValidatedRequest(), []
        for parameter in self.parameters:
            raw = (
                [url_values[parameter.name]]
                if parameter.location == "path"
                else request.args.getlist(parameter.name)
            )
            target = result.path if parameter.location == "path" else result.query
            if not raw:
                if parameter.required:
                    problems.append({"field": parameter.field, "message": "is required"})
                elif "default" in parameter.schema:
                    target[parameter.name] = parameter.schema["default"]
                continue
            # A NUL reaches no database (PostgreSQL refuses it: a 500 once it got that far).
            unstorable = [p for text in raw for p in unstorable_text(text, parameter.field)]
            if unstorable:
                problems.append(unstorable[0])
                continue
            try:
                target[parameter.name] = parameter.parse(raw)
            except FieldError as exc:
                problems.append({"field": exc.field, "message": exc.message})
        if self.media:
            try:
                result.body = self._body(request, problems)
            except UnsupportedMediaType as exc:
                raise RequestProblems([{"field": "body", "message": str(exc)}], 415) from None
        if problems:
            raise RequestProblems(problems[:MAX_ERRORS])
        return result

    def _body(self, request: Request, problems: list[dict[str, str]]) -> Any:
        if not request.content_length and not request.headers.get("Transfer-Encoding"):
            if self.body_required:
                problems.append({"field": "body", "message": "is required"})
            return None
        mimetype = request.mimetype
        if mimetype not in self.media:
            raise UnsupportedMediaType(
                "unsupported content type; expected " + " or ".join(self.media)
            )
        validator, converter = self.media[mimetype]
        if validator is None:
            return None  # binary: the view streams it
        try:
            body = _decode(request, mimetype, validator.schema)
        except ValueError as exc:
            problems.append({"field": "body", "message": str(exc)})
            return None
        errors = sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.path])
        for error in errors[:MAX_ERRORS]:
            problems.extend(schema_problems("body", error))
        if errors:
            return None
        problems.extend(unstorable_text(body, "body"))
        try:
            return converter(body, "body") if converter else body
        except FieldError as exc:
            problems.append({"field": exc.field, "message": exc.message})
            return None

    def validate_response(self, response: Response) -> list[str]:
        """What in ``response`` breaks the spec (tests run this on every response)."""
        status = str(response.status_code)
        entry = (
            self.responses.get(status)
            or self.responses.get(f"{status[0]}XX")
            or self.responses.get("default")
        )
        if entry is None:
            return [f"status {status} is not documented"]
        if response.status_code in (204, 304) or not entry:
            return []
        if response.mimetype not in entry:
            return [f"content type {response.mimetype} is not documented for {status}"]
        validator = entry[response.mimetype]
        if validator is None:
            return []
        body = json.loads(response.get_data())
        return [
            f"{'/'.join(map(str, e.path)) or '(body)'}: {e.message}"
            for e in validator.iter_errors(body)
        ][:MAX_ERRORS]


class UnsupportedMediaType(ValueError):
    pass


class RequestProblems(ValueError):
    def __init__(self, problems: list[dict[str, str]], status: int = 400) -> None:
        super().__init__(problems[0]["message"])
        self.problems, self.status = problems, status


def _decode(request: Request, mimetype: str, schema: Mapping[str, Any] | bool) -> Any:
    if mimetype == "application/json" or mimetype.endswith("+json"):
        # json_body.loads raises a ValueError naming the problem, depth included.
        return json_body.loads(request.get_data(), parse_constant=_no_constants)
    if mimetype == "application/x-www-form-urlencoded":
        return {key: request.form.get(key) for key in request.form}
    raise ValueError(f"cannot read {mimetype}")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _response_validators(
    specs: SpecValidators, responses: dict[str, Any]
) -> dict[str, dict[str, SchemaCheck | None]]:
    out: dict[str, dict[str, SchemaCheck | None]] = {}
    for status, response in responses.items():
        response = specs.resolve(response)
        out[str(status)] = {
            mimetype: specs.schema_validator(media["schema"]) if "schema" in media else None
            for mimetype, media in response.get("content", {}).items()
        }
    return out


def _absolute_refs(node: Any) -> Any:
    """A copy with local references made absolute, so that any sub-schema resolves them
    through the registry that holds the whole document."""
    if isinstance(node, dict):
        return {
            k: (
                SPEC_URI + v
                if k == "$ref" and isinstance(v, str) and v.startswith("#")
                else _absolute_refs(v)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_absolute_refs(v) for v in node]
    return node
