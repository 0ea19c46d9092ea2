"""Administration: the runner list, and disabling a runner.

Calls go out with the administrator's own token plus the ``admin`` scope, requested only
when the session's runner is an administrator; the dataservice checks again that they are
one now (docs/decisions.md)."""

from __future__ import annotations

from typing import Any

from runnerly_common.errors import APIError
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body
from runnerly_web import web_session
from runnerly_web.account.service import current_user, public_user
from runnerly_web.extensions import dataservice


def _require_admin() -> int:
    user_id = web_session.require_user()
    user = current_user()  # fresh: an admin flag removed a minute ago counts
    if user is None:
        return web_session.require_user()
    if not user["is_admin"]:
        raise APIError(403, "forbidden", "administrators only")
    return user_id


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("adminListUsers")
    def list_users() -> dict[str, Any]:
        admin_id = _require_admin()
        params = {k: str(v) for k, v in query_params().items()}
        answer = dataservice().json("GET", "/users", runner=admin_id, admin=True, params=params)
        return {**answer, "items": [public_user(u) for u in answer["items"]]}

    @api.operation("adminUpdateUser")
    def update_user(user_id: int) -> dict[str, Any]:
        admin_id = _require_admin()
        if user_id == admin_id:
            raise APIError(
                409,
                "conflict",
                "you cannot disable your own account here",
                errors=[{"field": "path.user_id", "message": "is your own account"}],
            )
        user = dataservice().json(
            "PATCH", f"/users/{user_id}", runner=admin_id, admin=True, json=request_body()
        )
        if user.get("disabled"):
            # Its sessions end now, on every process, not at their next account check.
            web_session.end_all_sessions(user_id)
        return public_user(user)
