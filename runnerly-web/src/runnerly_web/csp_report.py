"""``POST /api/web/csp-report``: what browsers blocked under the dashboard's policy.

Browsers post two shapes: ``report-uri``'s ``{"csp-report": {...}}``
(``application/csp-report``) and the Reporting API's list of ``{"type": "csp-violation",
"body": {...}}`` (``application/reports+json``). Anyone can post here, so a report is only
ever logged and counted: its text is cut short, the directive label comes from a fixed
list, the body is bounded, and a body that is not a report is a 400.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Response, current_app, request

from runnerly_common.errors import APIError
from runnerly_common.metrics import count_csp_report
from runnerly_common.openapi import OpenAPIBlueprint

log = logging.getLogger(__name__)
MAX_BYTES = 64 * 1024
MAX_REPORTS = 20  # of one Reporting API batch
MAX_TEXT = 300  # characters of a URL or sample in the log line
# The fetch and navigation directives of CSP Level 3: the only label values the counter gets.
DIRECTIVES = frozenset(
    {
        "base-uri",
        "child-src",
        "connect-src",
        "default-src",
        "font-src",
        "form-action",
        "frame-ancestors",
        "frame-src",
        "img-src",
        "manifest-src",
        "media-src",
        "object-src",
        "script-src",
        "script-src-attr",
        "script-src-elem",
        "style-src",
        "style-src-attr",
        "style-src-elem",
        "trusted-types",
        "require-trusted-types-for",
        "worker-src",
    }
)
# Reporting API (camelCase) and report-uri (kebab-case) names of the same fields.
_FIELDS = {
    "document": ("documentURL", "document-uri"),
    "directive": ("effectiveDirective", "effective-directive", "violated-directive"),
    "blocked": ("blockedURL", "blocked-uri"),
    "source": ("sourceFile", "source-file"),
    "line": ("lineNumber", "line-number"),
    "sample": ("sample", "script-sample"),
    "disposition": ("disposition", "disposition"),
}


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("reportCspViolation")
    def report_csp_violation() -> Response:
        for violation in _violations(_read_json())[:MAX_REPORTS]:
            directive = violation["directive"]
            label = directive if directive in DIRECTIVES else "other"
            count_csp_report(current_app.name, label)
            log.warning("content security policy violation", extra={"csp": violation})
        return Response(status=204)


def _read_json() -> Any:
    if (request.content_length or 0) > MAX_BYTES:
        raise _too_large()
    raw = request.stream.read(MAX_BYTES + 1)  # a chunked body has no length to check first
    if len(raw) > MAX_BYTES:
        raise _too_large()
    try:
        return json.loads(raw)
    # RecursionError: a body nested thousands deep is the sender's problem, not ours.
    except (ValueError, RecursionError):
        raise _not_a_report("the body is not JSON") from None


def _violations(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        bodies = [data["csp-report"]]
    elif isinstance(data, list) and data:
        bodies = [
            item["body"]
            for item in data
            if isinstance(item, dict)
            and item.get("type") == "csp-violation"
            and isinstance(item.get("body"), dict)
        ]
    else:
        bodies = []
    if not bodies:
        raise _not_a_report(
            'expected {"csp-report": {...}} or a list of {"type": "csp-violation", "body": {...}}'
        )
    return [_summary(body) for body in bodies]


def _summary(body: dict[str, Any]) -> dict[str, Any]:
    """The fields an operator needs, each a short string or a number."""
    out: dict[str, Any] = {}
    for name, keys in _FIELDS.items():
        value = next((body[k] for k in keys if k in body), None)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            value = None if value is None else str(value)
        if isinstance(value, str):
            value = value.replace("\x00", "")[:MAX_TEXT]
        out[name] = value
    # "style-src-elem 'self'" (violated-directive) names the directive first.
    out["directive"] = str(out["directive"] or "").split(" ", 1)[0].lower()
    return out


def _too_large() -> APIError:
    return APIError(413, "request_entity_too_large", f"a CSP report is at most {MAX_BYTES} bytes")


def _not_a_report(message: str) -> APIError:
    return APIError(
        400, "invalid_request", f"body: {message}", errors=[{"field": "body", "message": message}]
    )
