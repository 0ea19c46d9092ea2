"""``runnerly keys list|rotate|revoke``, on the tokendealer's database."""

from __future__ import annotations

import json

from helpers import one_line


class TestRevoke:
    def test_the_key_that_signs_needs_rotate_then_is_revoked_and_recorded(self, runnerly):
        ring = json.loads(runnerly("keys", "list").stdout)
        current = ring["current"]

        refused = runnerly("keys", "revoke", current)
        assert refused.exit_code == 1
        assert "--rotate" in one_line(refused)

        done = runnerly("keys", "revoke", current, "--rotate", "--by", "dana")
        assert done.exit_code == 0, done.output
        after = json.loads(done.stdout)
        assert after["revoked_now"] == current
        assert after["current"] == ring["next"][0]
        assert after["revoked"][0]["kid"] == current
        assert after["revoked"][0]["revoked_by"] == "dana"
        listed = json.loads(runnerly("keys", "list").stdout)
        assert current not in {listed["current"], *listed["next"], *listed["retired"]}

    def test_an_unknown_kid_is_one_line_and_exit_1(self, runnerly):
        result = runnerly("keys", "revoke", "no-such-kid")
        assert result.exit_code == 1
        assert "no signing key 'no-such-kid'" in one_line(result)

    def test_keys_rotate_is_rotate_keys(self, runnerly):
        first = json.loads(runnerly("keys", "list").stdout)
        rotated = json.loads(runnerly("keys", "rotate").stdout)
        assert rotated["current"] == first["next"][0]


def test_a_kid_that_begins_with_a_dash_is_given_after_the_options(runnerly):
    # Keys made before kids stopped beginning with "-" are still revocable.
    result = runnerly("keys", "revoke", "--rotate", "--", "-no-such-kid")
    assert result.exit_code == 1
    assert "no signing key '-no-such-kid'" in one_line(result)
