"""Serving the React build: the page for every client route, fingerprinted assets cached
for a year, and a helpful page (not a 500) when nothing was built."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from runnerly_web.app import create_app
from runnerly_web.settings import WebSettings


def _app(dist: Path) -> Flask:
    settings = WebSettings.load(
        environ={"RUNNERLY_ENV": "test"},
        secret_key="k" * 32,
        frontend_dist=str(dist),
        throttle_db=str(dist.parent / "t.db"),
    )
    return create_app(settings)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        '<!doctype html><script type="module" src="/assets/index-3f2a9c1d.js"></script>'
    )
    (dist / "assets" / "index-3f2a9c1d.js").write_text("console.log('runnerly')")
    (dist / "favicon.svg").write_text("<svg/>")
    return dist


def test_client_routes_get_the_app_page_never_cached(built: Path) -> None:
    client = _app(built).test_client()
    for path in ("/", "/runs/2024/5", "/settings/profile"):
        response = client.get(path)
        assert response.status_code == 200
        assert b"/assets/index-3f2a9c1d.js" in response.data
        assert response.headers["Cache-Control"] == "no-cache"


def test_fingerprinted_assets_are_cached_for_a_year(built: Path) -> None:
    client = _app(built).test_client()
    response = client.get("/assets/index-3f2a9c1d.js")
    assert response.status_code == 200 and b"runnerly" in response.data
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/assets/index-00000000.js").status_code == 404
    assert client.get("/assets/../index.html").status_code == 404
    assert client.get("/favicon.svg").data == b"<svg/>"


def test_server_paths_are_not_swallowed_by_the_app_page(built: Path) -> None:
    client = _app(built).test_client()
    response = client.get("/api/web/no-such-thing")
    assert response.status_code == 404 and response.is_json
    assert client.get("/strava/nowhere").status_code == 404


def test_a_missing_build_says_how_to_build_it(tmp_path: Path) -> None:
    client = _app(tmp_path / "not-built").test_client()
    response = client.get("/")
    assert response.status_code == 200
    assert b"npm run build" in response.data and b"not been built" in response.data
    assert client.get("/runs/2024/5").status_code == 200
    assert client.get("/assets/index.js").status_code == 404
