"""The runner's email preferences in the profile: read and changed on their behalf."""

from __future__ import annotations

from typing import Any

from runnerly_common.openapi import OpenAPIBlueprint, request_body
from runnerly_web.extensions import dataservice
from runnerly_web.web_session import require_user

FIELDS = ("monthly_report", "report_day")


def _shown(preferences: dict[str, Any]) -> dict[str, Any]:
    # The unsubscribe token is the mail's business, never the browser's.
    return {field: preferences[field] for field in FIELDS}


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getEmailPreferences")
    def get_email_preferences() -> dict[str, Any]:
        user_id = require_user()
        path = f"/users/{user_id}/email-preferences"
        return _shown(dataservice().json("GET", path, runner=user_id))

    @api.operation("updateEmailPreferences")
    def update_email_preferences() -> dict[str, Any]:
        user_id = require_user()
        path = f"/users/{user_id}/email-preferences"
        return _shown(dataservice().json("PATCH", path, runner=user_id, json=request_body()))
