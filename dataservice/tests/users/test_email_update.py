"""A runner's email changed through PATCH /api/v1/users/{id} (runnerly-web's confirmed
email change): unique whatever its case, found by its new address at once, and the old
address freed."""

from __future__ import annotations

PASSWORD = "correct horse battery"


def _patch(client, token, runner, email):
    return client.patch(
        f"/api/v1/users/{runner}", json={"email": email}, headers=token(runner=runner)
    )


def _check(client, token, email):
    return client.post(
        "/api/v1/auth/password-check",
        json={"email": email, "password": PASSWORD},
        headers=token(scope="users:read"),
    ).json["valid"]


def test_the_new_address_logs_in_and_the_old_one_no_longer_does(client, token, make_runner):
    runner = make_runner(email="old@example.org", password=PASSWORD)
    response = _patch(client, token, runner, "  New@Example.org ")
    assert response.status_code == 200
    assert response.json["email"] == "New@Example.org"
    assert _check(client, token, "new@example.org") is True
    assert _check(client, token, "old@example.org") is False
    found = client.get("/api/v1/users?email=NEW@example.org", headers=token(scope="users:read"))
    assert [u["id"] for u in found.json["items"]] == [runner]


def test_an_address_another_runner_uses_is_a_409_whatever_its_case_and_nothing_changes(
    client, token, make_runner, snapshot
):
    make_runner(email="taken@example.org")
    runner = make_runner(email="mine@example.org")
    before = snapshot()
    response = _patch(client, token, runner, "TAKEN@example.org")
    assert response.status_code == 409
    assert response.json["errors"] == [{"field": "email", "message": "is already registered"}]
    assert snapshot() == before


def test_the_freed_address_can_be_taken_by_another_runner(client, token, make_runner):
    first = make_runner(email="first@example.org")
    second = make_runner(email="second@example.org")
    assert _patch(client, token, first, "elsewhere@example.org").status_code == 200
    assert _patch(client, token, second, "first@example.org").status_code == 200


def test_a_runner_may_change_only_the_case_of_their_own_address(client, token, make_runner):
    runner = make_runner(email="case@example.org")
    response = _patch(client, token, runner, "Case@Example.org")
    assert response.status_code == 200
    assert response.json["email"] == "Case@Example.org"


def test_an_address_that_is_not_an_email_is_a_400_naming_it(client, token, make_runner):
    runner = make_runner()
    response = _patch(client, token, runner, "not an email")
    assert response.status_code == 400
    assert response.json["errors"][0]["field"] == "body.email"
