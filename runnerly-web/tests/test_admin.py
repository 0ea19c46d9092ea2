"""Administration: only administrators list and disable runners."""

from __future__ import annotations

from typing import Any

from .helpers import Browser


def test_a_runner_is_not_an_administrator(browser: Browser, runner: dict[str, Any]) -> None:
    assert browser.get("/api/web/admin/users").status_code == 403
    response = browser.patch(f"/api/web/admin/users/{runner['id']}", json={"disabled": True})
    assert response.status_code == 403
    assert browser.get("/api/web/profile").json["disabled"] is False


def test_an_administrator_lists_and_disables_runners(
    admin: Browser, browser: Browser, new_browser: Any, runner: dict[str, Any]
) -> None:
    listed = admin.get(f"/api/web/admin/users?email={runner['email']}")
    assert listed.status_code == 200, listed.json
    assert [u["id"] for u in listed.json["items"]] == [runner["id"]]
    assert admin.get("/api/web/admin/users?per_page=500").status_code == 400

    disabled = admin.patch(f"/api/web/admin/users/{runner['id']}", json={"disabled": True})
    assert disabled.status_code == 200 and disabled.json["disabled"] is True
    login = {"email": runner["email"], "password": runner["password"]}
    assert new_browser().post("/api/web/login", json=login).status_code == 401
    # The runner's open session ends too.
    assert browser.refresh()["user"] is None

    # Re-enabling is not tested: the dataservice refuses any runner token on a disabled
    # runner, an administrator's included (see the package README's known gaps).


def test_an_administrator_cannot_lock_themself_out(admin: Browser) -> None:
    me = admin.refresh()["user"]
    response = admin.patch(f"/api/web/admin/users/{me['id']}", json={"disabled": True})
    assert response.status_code == 409
    assert admin.get("/api/web/admin/users").status_code == 200


def test_unknown_runner_is_404(admin: Browser) -> None:
    response = admin.patch("/api/web/admin/users/987654", json={"disabled": True})
    assert response.status_code == 404
