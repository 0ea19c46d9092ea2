"""HTTP views for runners: thin, over users.service."""

from __future__ import annotations

from typing import Any

from flask import Response

from dataservice.authz import principal, require_admin, require_client, runner_or_404
from dataservice.context import session, settings
from dataservice.errors import forbidden
from dataservice.users import service
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("listUsers")
    def list_users() -> dict[str, Any]:
        if principal().is_runner:
            require_admin(session())
        params = query_params()
        users, total = service.list_users(
            session(), params["page"], params["per_page"], params.get("email")
        )
        return {
            "items": [service.user_to_dict(u) for u in users],
            "total": total,
            "page": params["page"],
            "per_page": params["per_page"],
        }

    @api.operation("createUser")
    def create_user() -> tuple[dict[str, Any], int]:
        data = request_body()
        if principal().is_runner or data.get("is_admin"):
            require_admin(session())
        user = service.create_user(session(), data)
        session().commit()
        return service.user_to_dict(user), 201

    @api.operation("getUser")
    def get_user(user_id: int) -> dict[str, Any]:
        return service.user_to_dict(runner_or_404(session(), user_id))

    @api.operation("updateUser")
    def update_user(user_id: int) -> dict[str, Any]:
        user = runner_or_404(session(), user_id)
        data = request_body()
        if "is_admin" in data or "disabled" in data:
            require_admin(session())
        service.update_user(session(), user, data)
        session().commit()
        return service.user_to_dict(user)

    @api.operation("deleteUser")
    def delete_user(user_id: int) -> Response:
        user = runner_or_404(session(), user_id)
        service.delete_user(session(), user)
        session().commit()
        return Response(status=204)

    @api.operation("setPassword")
    def set_password(user_id: int) -> Response:
        require_client(settings().password_clients, "setting passwords")
        user = runner_or_404(session(), user_id)
        service.set_password(session(), user, request_body()["password"])
        session().commit()
        return Response(status=204)

    @api.operation("checkPassword")
    def check_password() -> dict[str, Any]:
        require_client(settings().password_clients, "checking passwords")
        if principal().is_runner:
            raise forbidden("password checks need a service token")
        body = request_body()
        user = service.check_password(session(), body["email"], body["password"])
        session().commit()
        if user is None:
            return {"valid": False}
        return {"valid": True, "user": service.user_to_dict(user)}
