"""Strava's error bodies (``message`` + ``errors: [{resource, field, code}]``) as
:class:`APIError`, so they also carry Runnerly's ``code`` and ``request_id``."""

from __future__ import annotations

from runnerly_common.errors import APIError


def strava_error(
    status: int,
    message: str,
    resource: str,
    field: str,
    code: str,
    *,
    headers: dict[str, str] | None = None,
) -> APIError:
    slug = message.lower().replace(" ", "_")
    return APIError(
        status,
        slug,
        message,
        headers=headers,
        errors=[{"resource": resource, "field": field, "code": code}],
    )


def bad_request(resource: str, field: str, code: str = "invalid") -> APIError:
    return strava_error(400, "Bad Request", resource, field, code)


def unauthorized(
    resource: str = "Athlete", field: str = "access_token", code: str = "invalid"
) -> APIError:
    return strava_error(401, "Authorization Error", resource, field, code)


def not_found(resource: str, field: str = "id") -> APIError:
    return strava_error(404, "Record Not Found", resource, field, "not found")
