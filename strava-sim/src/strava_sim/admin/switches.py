"""Admin switches: faults, rate limits, list order, tokens (grant, expire, revoke),
athletes, reset."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from sqlalchemy import delete, func, select

from runnerly_common.errors import APIError
from strava_sim import controls, ratelimit
from strava_sim.admin.fields import invalid
from strava_sim.models import Activity, Athlete, Authorization, RateUsage
from strava_sim.oauth import grants, scopes
from strava_sim.service import sim
from strava_sim.settings import LIST_ORDERS
from strava_sim.webhooks.events import deauthorization_event


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise APIError(400, "invalid_body", "the body must be a JSON object")
    return body


def _number(body: dict[str, Any], field: str, kind: type, low: float, high: float) -> Any:
    value = body[field]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(field, "must be a number")
    if not low <= value <= high:
        raise invalid(field, f"must be between {low} and {high}")
    return kind(value)


def register(bp: Blueprint) -> None:
    @bp.get("/faults")
    def get_faults() -> dict[str, Any]:
        return controls.faults_dict(controls.current(sim().db.reader))

    @bp.post("/faults")
    def set_faults() -> dict[str, Any]:
        body, values = _body(), {}
        known = {"error_rate", "latency_ms", "seed", "drop_events", "lose_refresh_answers"}
        if unknown := set(body) - known:
            raise invalid(sorted(unknown)[0], "unknown field")
        if "error_rate" in body:
            values["error_rate"] = _number(body, "error_rate", float, 0, 1)
        if "latency_ms" in body:
            values["latency_ms"] = _number(body, "latency_ms", int, 0, 60_000)
        if "seed" in body:
            values["fault_seed"] = _number(body, "seed", int, 0, 2**31)
        if "drop_events" in body:
            if not isinstance(body["drop_events"], bool):
                raise invalid("drop_events", "must be true or false")
            values["drop_events"] = body["drop_events"]
        if "lose_refresh_answers" in body:
            values["lose_refresh_answers"] = _number(body, "lose_refresh_answers", int, 0, 1000)
        with sim().db.transaction() as session:
            controls.set_values(session, fault_counter=0, **values)
            return controls.faults_dict(controls.current(session))

    @bp.delete("/faults")
    def clear_faults() -> tuple[str, int]:
        with sim().db.transaction() as session:
            controls.clear_faults(session)
        return "", 204

    @bp.get("/list-order")
    def get_list_order() -> dict[str, Any]:
        return {"list_order": controls.current(sim().db.reader).list_order}

    @bp.post("/list-order")
    def set_list_order() -> dict[str, Any]:
        body = _body()
        if unknown := set(body) - {"list_order"}:
            raise invalid(sorted(unknown)[0], "unknown field")
        order = body.get("list_order")
        if order not in LIST_ORDERS:
            raise invalid("list_order", f"one of {', '.join(LIST_ORDERS)}")
        with sim().db.transaction() as session:
            controls.set_values(session, list_order=order)
        return {"list_order": order}

    @bp.get("/rate-limits")
    def get_rate_limits() -> dict[str, Any]:
        simulator = sim()
        session = simulator.db.reader
        row = controls.current(session)
        usage = ratelimit.peek(session, simulator.settings.client_id, row, simulator.clock())
        return {"limits": controls.limits_dict(row), "usage": usage.headers()}

    @bp.post("/rate-limits")
    def set_rate_limits() -> dict[str, Any]:
        body, values = _body(), {}
        reset_usage = body.pop("reset_usage", False)
        for field in body:
            if field not in controls.LIMIT_FIELDS:
                raise invalid(field, "unknown field")
            values[field] = _number(body, field, int, 1 if "seconds" in field else 0, 10**9)
        with sim().db.transaction() as session:
            if values:
                controls.set_values(session, **values)
            if reset_usage is True:
                session.execute(delete(RateUsage))
        return get_rate_limits()

    @bp.post("/reset")
    def reset() -> dict[str, Any]:
        return {"activities": sim().reset()}

    @bp.get("/athletes")
    def athletes() -> list[dict[str, Any]]:
        session = sim().db.reader
        counts = dict(
            session.execute(
                select(Activity.athlete_id, func.count()).group_by(Activity.athlete_id)
            ).all()
        )
        linked = set(session.scalars(select(Authorization.athlete_id)))
        return [
            {
                "id": a.id,
                "firstname": a.firstname,
                "lastname": a.lastname,
                "timezone": a.timezone,
                "activities": counts.get(a.id, 0),
                "authorized": a.id in linked,
            }
            for a in session.scalars(select(Athlete).order_by(Athlete.id))
        ]

    @bp.post("/athletes/<int:athlete_id>/grant")
    def grant(athlete_id: int) -> dict[str, Any]:
        simulator = sim()
        scope = _body().get("scope", "read,activity:read_all")
        if not isinstance(scope, str):
            raise invalid("scope", "a comma-separated string")
        granted = scopes.join(set(_scopes(scope)) | {scopes.REQUIRED})
        with simulator.db.transaction() as session:
            return grants.grant(
                session, simulator, athlete_id, simulator.settings.client_id, granted
            )

    @bp.post("/athletes/<int:athlete_id>/expire-token")
    def expire_token(athlete_id: int) -> dict[str, Any]:
        simulator = sim()
        with simulator.db.transaction() as session:
            return {"expired": grants.expire_access_tokens(session, simulator, athlete_id)}

    @bp.post("/athletes/<int:athlete_id>/revoke")
    def revoke(athlete_id: int) -> dict[str, Any]:
        simulator = sim()
        client_id = simulator.settings.client_id
        with simulator.db.transaction() as session:
            found = grants.revoke(session, athlete_id, client_id)
        if found:
            with simulator.db.transaction() as session:
                deauthorization_event(
                    simulator, session, athlete_id=athlete_id, client_id=client_id
                )
        return {"revoked": found}


def _scopes(raw: str) -> list[str]:
    try:
        return scopes.parse(raw)
    except APIError:
        raise invalid("scope", f"known scopes are {', '.join(scopes.SCOPES)}") from None
