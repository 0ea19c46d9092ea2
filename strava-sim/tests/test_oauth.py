"""The OAuth dance a runner and the worker go through, and its refusals."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, bearer

REDIRECT = "http://localhost:5000/strava/callback"
AUTHORIZE = {
    "client_id": CLIENT_ID,
    "redirect_uri": REDIRECT,
    "response_type": "code",
    "approval_prompt": "force",
    "scope": "read,activity:read,activity:read_all",
    "state": "s-123",
}


def _decide(http, decision: str, ticked: list[str], athlete: int = 1):
    form = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": "s-123",
        "requested_scope": AUTHORIZE["scope"],
        "athlete": athlete,
        "scope": ticked,
        "decision": decision,
    }
    response = http.post("/oauth/authorize", data=form)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def _exchange(http, code: str):
    return http.post(
        "/oauth/token",
        data={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
    )


def _refresh(http, refresh_token: str):
    return http.post(
        "/oauth/token",
        data={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        },
    )


class TestAuthorizePage:
    def test_it_shows_a_labelled_checkbox_per_requested_scope_and_an_athlete_picker(self, http):
        page = http.get("/oauth/authorize", query_string=AUTHORIZE).get_data(as_text=True)
        for scope in ("read", "activity:read", "activity:read_all"):
            assert f'value="{scope}"' in page
        assert '<label for="athlete">' in page and '<label for="scope-2">' in page
        assert 'value="authorize"' in page and 'value="cancel"' in page

    def test_it_refuses_an_unknown_client_with_a_strava_error(self, http):
        response = http.get("/oauth/authorize", query_string={**AUTHORIZE, "client_id": 9})
        assert response.status_code == 400
        assert response.json["errors"] == [
            {"resource": "Application", "field": "client_id", "code": "invalid"}
        ]

    def test_it_refuses_a_redirect_uri_off_the_local_machine(self, http):
        query = {**AUTHORIZE, "redirect_uri": "https://evil.example/cb"}
        response = http.get("/oauth/authorize", query_string=query)
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "redirect_uri"

    def test_auto_approval_skips_the_page_only_for_the_athlete_named(self, http, grant):
        grant(1, AUTHORIZE["scope"])
        auto = {**AUTHORIZE, "approval_prompt": "auto"}
        # No athlete named: nobody is signed in to the sim, so a new runner gets the page
        # rather than athlete 1's silent approval.
        assert http.get("/oauth/authorize", query_string=auto).status_code == 200
        named = http.get("/oauth/authorize", query_string={**auto, "athlete": 1})
        assert named.status_code == 302 and "code=" in named.headers["Location"]


class TestCodeExchange:
    def test_unticked_scopes_are_not_granted_and_the_code_buys_a_token_pair(self, http):
        answer = _decide(http, "authorize", ["read", "activity:read"])
        assert answer["state"] == "s-123" and answer["scope"] == "read,activity:read"
        response = _exchange(http, answer["code"])
        assert response.status_code == 200
        body = response.json
        assert body["token_type"] == "Bearer" and body["expires_in"] == 21600
        assert body["athlete"]["id"] == 1 and body["athlete"]["firstname"] == "Demo"
        assert len(body["access_token"]) == 40 and body["refresh_token"]

    def test_the_athlete_picked_on_the_page_is_the_one_authorized(self, http):
        answer = _decide(http, "authorize", ["read", "activity:read_all"], athlete=2)
        assert _exchange(http, answer["code"]).json["athlete"]["id"] == 2

    def test_cancel_redirects_with_access_denied_and_the_state(self, http):
        answer = _decide(http, "cancel", [])
        assert answer == {"state": "s-123", "error": "access_denied"}

    def test_a_code_works_only_once(self, http):
        code = _decide(http, "authorize", ["activity:read_all"])["code"]
        assert _exchange(http, code).status_code == 200
        again = _exchange(http, code)
        assert again.status_code == 400
        assert again.json["errors"][0]["resource"] == "AuthorizationCode"

    def test_a_code_expires_after_ten_minutes(self, http, clock):
        code = _decide(http, "authorize", ["activity:read_all"])["code"]
        clock.advance(601)
        assert _exchange(http, code).status_code == 400

    def test_a_wrong_client_secret_is_refused(self, http):
        code = _decide(http, "authorize", ["activity:read_all"])["code"]
        response = http.post(
            "/oauth/token",
            data={"client_id": CLIENT_ID, "client_secret": "nope", "code": code},
        )
        assert response.status_code == 401
        assert response.json["errors"][0]["field"] == "client_secret"


class TestRefresh:
    def test_with_over_an_hour_left_the_same_access_token_comes_back(self, http, tokens):
        again = _refresh(http, tokens["refresh_token"]).json
        assert again["access_token"] == tokens["access_token"]
        assert again["refresh_token"] == tokens["refresh_token"]
        assert "athlete" not in again

    def test_near_expiry_a_new_pair_comes_back_and_the_old_refresh_token_fails(
        self, http, tokens, clock
    ):
        clock.advance(21600 - 3000)
        fresh = _refresh(http, tokens["refresh_token"]).json
        assert fresh["access_token"] != tokens["access_token"]
        assert fresh["refresh_token"] != tokens["refresh_token"]
        assert fresh["expires_at"] == clock.now + 21600
        old = _refresh(http, tokens["refresh_token"])
        assert old.status_code == 400
        assert old.json["message"] == "Bad Request"
        assert old.json["errors"] == [
            {"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}
        ]
        assert http.get("/api/v3/athlete", headers=bearer(fresh)).status_code == 200

    def test_an_expired_access_token_is_401_until_refreshed(self, http, tokens, clock):
        clock.advance(21601)
        response = http.get("/api/v3/athlete", headers=bearer(tokens))
        assert response.status_code == 401
        assert response.json["message"] == "Authorization Error"
        fresh = _refresh(http, tokens["refresh_token"]).json
        assert http.get("/api/v3/athlete", headers=bearer(fresh)).status_code == 200

    def test_the_admin_can_expire_the_token_mid_pagination(self, http, tokens):
        first = http.get("/api/v3/athlete/activities?page=1", headers=bearer(tokens))
        assert first.status_code == 200
        assert http.post("/admin/athletes/1/expire-token").json == {"expired": 1}
        assert (
            http.get("/api/v3/athlete/activities?page=2", headers=bearer(tokens)).status_code == 401
        )
        fresh = _refresh(http, tokens["refresh_token"]).json
        second = http.get("/api/v3/athlete/activities?page=2", headers=bearer(fresh))
        assert second.status_code == 200 and second.json[0]["id"] < first.json[-1]["id"]


class TestDeauthorize:
    def test_after_deauthorize_calls_and_refreshes_are_refused(self, http, tokens):
        response = http.post("/oauth/deauthorize", data={"access_token": tokens["access_token"]})
        assert response.status_code == 200
        assert http.get("/api/v3/athlete", headers=bearer(tokens)).status_code == 401
        assert _refresh(http, tokens["refresh_token"]).status_code == 400

    def test_the_demo_refresh_token_is_granted_from_the_start(self, tmp_path, clock):
        from conftest import make_settings

        from strava_sim.app import create_app
        from strava_sim.service import Simulator

        settings = make_settings(tmp_path, demo_refresh_token="demo-refresh-token")
        app = create_app(settings, simulator=Simulator(settings, clock=clock))
        http = app.test_client()
        pair = _refresh(http, "demo-refresh-token").json
        listing = http.get("/api/v3/athlete/activities", headers=bearer(pair))
        assert listing.status_code == 200 and len(listing.json) == 30
        app.extensions["strava_sim"].db.dispose()


def _stored_refresh_token(simulator, athlete_id: int) -> str:
    from strava_sim.models import Authorization

    with simulator.db.transaction() as session:
        return session.get(Authorization, (athlete_id, CLIENT_ID)).refresh_token


class TestLostRefreshAnswer:
    """A proxy in front of Strava loses the answer after Strava rotated the refresh token."""

    def test_the_refresh_is_made_but_the_answer_is_a_502_page_and_the_old_token_is_refused(
        self, http, tokens, simulator
    ):
        armed = http.post("/admin/faults", json={"lose_refresh_answers": 1})
        assert armed.status_code == 200 and armed.json["lose_refresh_answers"] == 1
        http.post("/admin/athletes/1/expire-token")
        lost = _refresh(http, tokens["refresh_token"])
        assert lost.status_code == 502 and lost.mimetype == "text/html"
        assert "502 Bad Gateway" in lost.get_data(as_text=True)
        assert lost.headers["X-Sim-Fault"] == "injected"
        assert http.get("/admin/faults").json["lose_refresh_answers"] == 0
        again = _refresh(http, tokens["refresh_token"])
        assert again.status_code == 400
        assert again.json["message"] == "Bad Request"
        assert again.json["errors"] == [
            {"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}
        ]
        # Strava did rotate: the token the client never saw works, once the fault is spent.
        rotated = _stored_refresh_token(simulator, 1)
        assert rotated != tokens["refresh_token"]
        assert _refresh(http, rotated).status_code == 200

    def test_exactly_the_next_n_refreshes_lose_their_answer(self, http, grant):
        pairs = [grant(1), grant(2)]
        http.post("/admin/faults", json={"lose_refresh_answers": 2})
        for athlete_id, pair in zip((1, 2), pairs, strict=True):
            http.post(f"/admin/athletes/{athlete_id}/expire-token")
            assert _refresh(http, pair["refresh_token"]).status_code == 502
        fresh = grant(1)
        http.post("/admin/athletes/1/expire-token")
        assert _refresh(http, fresh["refresh_token"]).status_code == 200

    def test_with_over_an_hour_left_nothing_rotates_so_the_same_token_still_works(
        self, http, tokens
    ):
        http.post("/admin/faults", json={"lose_refresh_answers": 1})
        assert _refresh(http, tokens["refresh_token"]).status_code == 502
        again = _refresh(http, tokens["refresh_token"])
        assert again.status_code == 200 and again.json["refresh_token"] == tokens["refresh_token"]

    def test_a_refused_refresh_does_not_use_up_the_fault(self, http, tokens):
        http.post("/admin/faults", json={"lose_refresh_answers": 1})
        assert _refresh(http, "not-a-refresh-token").status_code == 400
        assert http.get("/admin/faults").json["lose_refresh_answers"] == 1

    @pytest.mark.parametrize("clear", ["delete-faults", "reset"])
    def test_clearing_faults_or_a_reset_disarms_it(self, http, clear):
        http.post("/admin/faults", json={"lose_refresh_answers": 3})
        if clear == "reset":
            http.post("/admin/reset")
        else:
            http.delete("/admin/faults")
        assert http.get("/admin/faults").json["lose_refresh_answers"] == 0

    @pytest.mark.parametrize("value", [-1, 1001, "2", True, None])
    def test_a_count_that_is_not_0_to_1000_is_a_400(self, http, value):
        response = http.post("/admin/faults", json={"lose_refresh_answers": value})
        assert response.status_code == 400 and response.json["field"] == "lose_refresh_answers"
        assert http.get("/admin/faults").json["lose_refresh_answers"] == 0
