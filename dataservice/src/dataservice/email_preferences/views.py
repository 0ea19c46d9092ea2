"""HTTP views of email preferences: the runner's own, the worker's list, and the web
app's "by unsubscribe token" (the one-click link works without a session)."""

from __future__ import annotations

from typing import Any

from dataservice.authz import principal, require_admin, runner_or_404
from dataservice.context import session, write_transaction
from dataservice.email_preferences import service
from dataservice.email_preferences.models import EmailPreferences
from dataservice.errors import forbidden, not_found
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getEmailPreferences")
    def get_email_preferences(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        row = session().get(EmailPreferences, user_id)
        if row is None:  # a first read keeps the defaults and the token it makes
            with write_transaction() as writer:
                row = service.preferences(writer, user_id)
        # The token goes to services (the worker writes it into mail), never to a runner's
        # token: the browser has no use for it.
        return service.to_dict(row, with_token=not principal().is_runner)

    @api.operation("updateEmailPreferences")
    def update_email_preferences(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        row = service.update(session(), user_id, request_body())
        session().commit()
        return service.to_dict(row, with_token=not principal().is_runner)

    @api.operation("listEmailPreferences")
    def list_email_preferences() -> dict[str, Any]:
        if principal().is_runner:
            require_admin(session())
        params = query_params()
        items, total = service.list_preferences(
            session(), params["page"], params["per_page"], params.get("monthly_report")
        )
        return {
            "items": [service.listed_to_dict(item) for item in items],
            "total": total,
            "page": params["page"],
            "per_page": params["per_page"],
        }

    @api.operation("emailPreferencesByToken")
    def email_preferences_by_token() -> dict[str, Any]:
        if principal().is_runner:
            raise forbidden("a change by unsubscribe token needs a service token")
        body = request_body()
        row = service.by_token(session(), body["token"])
        if row is None:
            raise not_found("unsubscribe token")
        if "monthly_report" in body:
            row.monthly_report = body["monthly_report"]
            session().flush()
        session().commit()
        return service.to_dict(row)
