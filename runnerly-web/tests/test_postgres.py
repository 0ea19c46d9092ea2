"""The runner's journey on a dataservice backed by PostgreSQL (production's database):
sign-up, login, an upload, isolation, and deletion with everything in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from runnerly_common.testing.services import Dataservice, Tokendealer

from .conftest import make_app, web_settings
from .helpers import Browser, gpx_file


@pytest.fixture(scope="module")
def pg_app(
    postgres_dataservice: tuple[Dataservice, Tokendealer],
    sim: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    work: Path = tmp_path_factory.mktemp("web-pg")
    # The PostgreSQL dataservice's own tokendealer: it is the one that knows its runners.
    dataservice, tokendealer = postgres_dataservice
    return make_app(web_settings(tokendealer, dataservice, sim, work))


def test_journey_on_postgres(pg_app: Flask) -> None:
    browser = Browser(pg_app.test_client())
    runner = browser.sign_up()
    upload = browser.post(
        "/api/web/runs/import?filename=pg.gpx",
        data=gpx_file("2024-02-10T08:00:00Z"),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert upload.status_code == 201, upload.json
    assert browser.get("/api/web/runs/2024/2").json["count"] == 1

    other = Browser(pg_app.test_client())
    other.sign_up()
    assert other.get(f"/api/web/runs/{upload.json['id']}").status_code == 404
    taken = other.post(
        "/api/web/signup", json={"email": runner["email"], "password": "plum violin 42 harbour"}
    )
    assert taken.status_code == 409

    assert browser.post("/api/web/logout").status_code == 200
    login = {"email": runner["email"], "password": runner["password"]}
    assert browser.post("/api/web/login", json=login).status_code == 200
    gone = browser.delete("/api/web/profile", json={"password": runner["password"]})
    assert gone.status_code == 204
    browser.refresh()  # the session ended: a new CSRF token, as the dashboard does
    assert browser.post("/api/web/login", json=login).status_code == 401
