"""``/oauth/authorize`` (page and decision), ``/oauth/token``, ``/oauth/deauthorize``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, redirect, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from runnerly_common.security_headers import policy, set_page_policy
from strava_sim import controls
from strava_sim.api.metering import bearer_token
from strava_sim.errors import bad_request, unauthorized
from strava_sim.models import AccessToken, Athlete, Authorization
from strava_sim.oauth import grants, scopes
from strava_sim.service import sim
from strava_sim.webhooks.events import deauthorization_event

# The page and its stylesheet. No form-action: the decision's redirect goes to the
# client's redirect_uri, and browsers check form-action along a form's redirects.
AUTHORIZE_PAGE_POLICY = policy(
    {
        "default-src": "'none'",
        "style-src": "'self'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
    }
)
# What a proxy in front of Strava answers when the upstream answer never reaches it.
LOST_ANSWER_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def _params() -> dict[str, Any]:
    """Strava reads these from the query string, a form or JSON alike."""
    return {**request.args, **request.form, **(request.get_json(silent=True) or {})}


def _redirect(uri: str, **params: str) -> Response:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params, safe=",:")) if q)
    return redirect(urlunsplit(parts._replace(query=query)), code=302)


def make_blueprint() -> Blueprint:
    bp = Blueprint(
        "oauth",
        __name__,
        url_prefix="/oauth",
        template_folder="templates",
        static_folder="static",  # at /oauth/static/
    )

    @bp.route("/authorize", methods=["GET", "POST"])
    def authorize() -> Response | str:
        params, simulator = _params(), sim()
        client_id = grants.check_client(simulator, params.get("client_id"))
        redirect_uri = scopes.check_redirect_uri(params.get("redirect_uri"))
        if params.get("response_type", "code") != "code":
            raise bad_request("Authorize", "response_type")
        state = params.get("state", "")
        requested = scopes.parse(params.get("requested_scope", params.get("scope")))
        athlete_id = _athlete_id(params.get("athlete"))
        session = simulator.db.reader
        if request.method == "POST":
            if params.get("decision") != "authorize":
                return _redirect(redirect_uri, state=state, error="access_denied")
            ticked = set(request.form.getlist("scope")) & set(requested)
            granted = scopes.join(ticked | {scopes.REQUIRED})
            return _approve(redirect_uri, state, athlete_id, client_id, granted)
        existing = session.get(Authorization, (athlete_id, client_id))
        # The sim has no Strava login: only an athlete named in the request counts as
        # "signed in". Without one, the page must ask, or every runner who connects would be
        # silently approved as athlete 1 (the demo runner's).
        if (
            params.get("approval_prompt", "auto") == "auto"
            and params.get("athlete")
            and existing is not None
            and set(requested) <= set(existing.scope.split(","))
        ):
            return _approve(redirect_uri, state, athlete_id, client_id, existing.scope)
        page = render_template(
            "authorize.html",
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=state,
            requested=requested,
            labels=scopes.LABELS,
            required=scopes.REQUIRED,
            athlete_id=athlete_id,
            athletes=session.scalars(select(Athlete).order_by(Athlete.id).limit(500)).all(),
        )
        return set_page_policy(Response(page, mimetype="text/html"), AUTHORIZE_PAGE_POLICY)

    @bp.post("/token")
    def token() -> dict[str, Any] | Response:
        params, simulator = _params(), sim()
        client_id = grants.check_client(
            simulator, params.get("client_id"), params.get("client_secret", "")
        )
        grant_type = params.get("grant_type")
        if grant_type not in ("authorization_code", "refresh_token"):
            raise bad_request("Application", "grant_type")
        with simulator.db.transaction() as session:
            if grant_type == "authorization_code":
                return grants.exchange_code(session, simulator, client_id, params.get("code"))
            answer = grants.refresh(session, simulator, client_id, params.get("refresh_token"))
            lost = controls.take_lost_refresh_answer(session)
        if lost:  # after the commit: the refresh (and its rotation) stands
            return _lost_answer()
        return answer

    @bp.post("/deauthorize")
    def deauthorize() -> dict[str, Any]:
        simulator = sim()
        value = _params().get("access_token") or bearer_token()
        with simulator.db.transaction() as session:
            row = session.get(AccessToken, value or "")
            if row is None or row.expires_at < simulator.now():
                raise unauthorized()
            athlete_id, client_id = row.athlete_id, row.client_id
            grants.revoke(session, athlete_id, client_id)
        with simulator.db.transaction() as session:  # events after the commit
            deauthorization_event(simulator, session, athlete_id=athlete_id, client_id=client_id)
        return {"access_token": value}

    return bp


def _lost_answer() -> Response:
    """The armed ``lose_refresh_answers`` fault: Strava did the refresh, the client never
    learns the new refresh token."""
    response = Response(LOST_ANSWER_PAGE, status=502, mimetype="text/html")
    response.headers["X-Sim-Fault"] = "injected"
    return response


def _athlete_id(raw: Any) -> int:
    try:
        athlete_id = int(raw or 1)
    except (TypeError, ValueError):
        raise bad_request("Authorize", "athlete") from None
    if sim().db.reader.get(Athlete, athlete_id) is None:
        raise bad_request("Authorize", "athlete")
    return athlete_id


def _approve(
    redirect_uri: str, state: str, athlete_id: int, client_id: int, granted: str
) -> Response:
    simulator = sim()
    with simulator.db.transaction() as tx:
        code = grants.create_code(tx, simulator, athlete_id, client_id, granted)
    return _redirect(redirect_uri, state=state, code=code, scope=granted)
