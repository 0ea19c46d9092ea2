"""A run whose distance is too small for a finite pace (a subnormal number, as a client or
Strava may send): it is stored, and every figure derived from it is a number or null."""

from __future__ import annotations


class TestTinyDistance:
    def test_the_run_is_stored_and_its_pace_reads_as_none(
        self, client, token, runner, add_runs, run
    ):
        add_runs(runner, run("2026-03-02T07:00:00Z", 5e-324, 3600))

        def read(path):
            response = client.get(f"/api/v1/users/{runner}/{path}", headers=token(runner=runner))
            assert response.status_code == 200, (path, response.json)
            return response.json

        totals = read("stats/totals?from=2026-03-02&to=2026-03-08&period=week")
        (week,) = [bucket for bucket in totals["buckets"] if bucket["count"]]
        assert week["average_pace"] is None
        assert read("stats/records")
        assert read("runs?year=2026&month=3")
