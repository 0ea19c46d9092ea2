"""The runner's side of apps, for runnerly-web only: it has logged the runner in, and is
the client trusted to act for runners (it may exchange tokens for them).  The gateway does
not route these paths: they are on the private network, as the dataservice is."""

from __future__ import annotations

from typing import Any

from runnerly_common.errors import APIError
from runnerly_common.openapi import OpenAPIBlueprint, request_body
from tokendealer.apps import flow
from tokendealer.clients.models import Client
from tokendealer.service import TokenDealer, dealer
from tokendealer.tokens.oauth import NO_STORE, authenticate_client


def _runners_agent(td: TokenDealer) -> Client:
    client = authenticate_client(td.db.reader)
    if client.is_app or not client.user_scope_set:
        raise APIError(
            403, "forbidden", "only the client that logs runners in may act on their apps"
        )
    return client


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("checkAuthorization")
    def check_authorization() -> tuple[dict[str, Any], int, dict[str, str]]:
        td = dealer()
        _runners_agent(td)
        asked = flow.check_request(td.db.reader, request_body(), td.settings.token_issuer)
        return asked.describe(), 200, NO_STORE

    @api.operation("answerAuthorization")
    def answer_authorization() -> tuple[dict[str, Any], int, dict[str, str]]:
        td = dealer()
        _runners_agent(td)
        body = request_body()
        asked = flow.check_request(td.db.reader, body, td.settings.token_issuer)
        with td.db.transaction() as session:
            target = flow.answer(
                session, asked, body["runner_id"], body["allow"], td.settings.token_issuer
            )
        return {"redirect_to": target}, 200, NO_STORE

    @api.operation("listRunnerGrants")
    def list_runner_grants(runner_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
        td = dealer()
        _runners_agent(td)
        return {"grants": flow.grants_of(td.db.reader, runner_id)}, 200, NO_STORE

    @api.operation("revokeRunnerGrant")
    def revoke_runner_grant(runner_id: int, grant_id: str) -> tuple[str, int]:
        td = dealer()
        _runners_agent(td)
        with td.db.transaction() as session:
            flow.revoke_for_runner(session, runner_id, grant_id)
        return "", 204

    @api.operation("createPersonalToken")
    def create_personal_token(runner_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
        td = dealer()
        _runners_agent(td)
        body = request_body()
        with td.db.transaction() as session:
            token, grant = flow.create_personal_token(
                session, runner_id, body["name"], body["scopes"], body["days"]
            )
        return {"token": token, "grant": grant}, 201, NO_STORE
