"""HTTP views for two-factor sign-in: thin, over two_factor.service.

Everything but the administrator's reset is reserved to the password clients
(runnerly-web): an application holding a runner's token must not read a secret, turn
two-factor off or make recovery codes.
"""

from __future__ import annotations

from typing import Any

from flask import Response

from dataservice.authz import require_admin, require_client, runner_or_404
from dataservice.context import cipher, session, settings
from dataservice.errors import not_found
from dataservice.two_factor import service
from dataservice.users.models import User
from runnerly_common.openapi import OpenAPIBlueprint, request_body


def _runner(user_id: int) -> User:
    require_client(settings().password_clients, "two-factor sign-in")
    return runner_or_404(session(), user_id)


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getTwoFactor")
    def get_two_factor(user_id: int) -> dict[str, Any]:
        return service.status(session(), _runner(user_id).id)

    @api.operation("startTwoFactor")
    def start_two_factor(user_id: int) -> tuple[dict[str, Any], int]:
        answer = service.start(session(), cipher(), _runner(user_id))
        session().commit()
        return answer, 201

    @api.operation("confirmTwoFactor")
    def confirm_two_factor(user_id: int) -> dict[str, Any]:
        user = _runner(user_id)
        answer = service.confirm(session(), cipher(), user.id, request_body()["code"])
        session().commit()
        return answer

    @api.operation("verifyTwoFactor")
    def verify_two_factor(user_id: int) -> dict[str, Any]:
        user = _runner(user_id)
        body = request_body()
        if user.disabled:  # disabled between the password and the code: no way in
            return {"valid": False}
        result = service.verify(
            session(), cipher(), user.id, body.get("code"), body.get("recovery_code")
        )
        session().commit()
        if not result.valid:
            return {"valid": False}
        return {
            "valid": True,
            "method": result.method,
            "recovery_codes_left": result.recovery_codes_left,
        }

    @api.operation("disableTwoFactor")
    def disable_two_factor(user_id: int) -> Response:
        user = _runner(user_id)
        body = request_body()
        service.disable(session(), cipher(), user.id, body.get("code"), body.get("recovery_code"))
        session().commit()
        return Response(status=204)

    @api.operation("regenerateRecoveryCodes")
    def regenerate_recovery_codes(user_id: int) -> dict[str, Any]:
        user = _runner(user_id)
        codes = service.regenerate(session(), cipher(), user.id, request_body()["code"])
        session().commit()
        return {"recovery_codes": codes}

    @api.operation("resetTwoFactor")
    def reset_two_factor(user_id: int) -> dict[str, Any]:
        require_admin(session())
        if session().get(User, user_id) is None:
            raise not_found(f"runner {user_id}")
        was_enabled = service.reset(session(), user_id)
        session().commit()
        return {"was_enabled": was_enabled}
