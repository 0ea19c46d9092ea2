"""Errors the dataservice's service layer raises; each is a JSON answer over HTTP."""

from __future__ import annotations

from runnerly_common.errors import APIError


def not_found(what: str) -> APIError:
    """Also the answer for another runner's resource: existence must not leak."""
    return APIError(404, "not_found", f"{what} not found")


def conflict(field: str, message: str) -> APIError:
    return APIError(
        409, "conflict", f"{field}: {message}", errors=[{"field": field, "message": message}]
    )


def invalid(field: str, message: str, status: int = 400) -> APIError:
    code = "invalid_request" if status == 400 else "unprocessable"
    return APIError(
        status, code, f"{field}: {message}", errors=[{"field": field, "message": message}]
    )


def forbidden(message: str) -> APIError:
    return APIError(403, "forbidden", message)
