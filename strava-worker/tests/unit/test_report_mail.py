"""The monthly report mail: what the runner reads, in their units, and nothing executable."""

from __future__ import annotations

import copy
from email import message_from_bytes
from email.policy import default as default_policy
from typing import Any

import pytest

from strava_worker import report_format as fmt
from strava_worker.report_mail import Links, build_message, subject

LINKS = Links.make("https://runnerly.example", "k3Vq0oJ6pY1sVd9x_Zr-2LwQm8nB4cTe7uHa5gKi0fM")

RUNNER = {
    "id": 7,
    "email": "ann@example.org",
    "first_name": "Ann",
    "last_name": "Lee",
    "units": "metric",
    "disabled": False,
}


def totals(start: str, runs: list[tuple[float, int, float]]) -> dict[str, Any]:
    """The dataservice's figures of (distance m, moving s, elevation m) runs."""
    distance = sum(r[0] for r in runs)
    moving = sum(r[1] for r in runs)
    return {
        "start": start,
        "count": len(runs),
        "distance": round(distance, 1),
        "moving_time": moving,
        "elapsed_time": moving + 60 * len(runs),
        "elevation_gain": round(sum(r[2] for r in runs), 1),
        "average_pace": round(moving * 1000 / distance, 1) if distance else None,
        "average_speed": round(distance / moving, 3) if moving else None,
    }


def compare(now: dict[str, Any], then: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for field in ("count", "distance", "moving_time", "elapsed_time", "elevation_gain"):
        delta = round(now[field] - then[field], 1)
        out[field] = {"delta": delta, "percent": round(delta * 100 / then[field], 1)}
    pace = round(now["average_pace"] - then["average_pace"], 1)
    out["average_pace"] = {"delta": pace, "percent": round(pace * 100 / then["average_pace"], 1)}
    return out


OCTOBER = [(10_000.0, 3000, 80.0), (12_500.0, 3950, 120.5), (8_734.5, 2926, 33.9)]
SEPTEMBER = [(10_000.0, 3300, 50.0), (10_000.0, 3310, 50.0)]


def make_report() -> dict[str, Any]:
    now, then = totals("2026-10-01", OCTOBER), totals("2026-09-01", SEPTEMBER)
    return {
        "runner_id": 7,
        "year": 2026,
        "month": 10,
        "sport": ["Run", "TrailRun", "VirtualRun"],
        "runs_count": now["count"],
        "totals": now,
        "previous_month": then,
        "comparison": compare(now, then),
        "records_set": [
            {
                "distance": 5000,
                "label": "5 km",
                "elapsed": 1325.0,
                "pace": 265.0,
                "run_id": 11,
                "title": "<script>alert('x')</script> parkrun",
                "start_time": "2026-10-10T08:00:00+00:00",
                "origin": "strava",
                "previous": {
                    "elapsed": 1380.0,
                    "pace": 276.0,
                    "run_id": 3,
                    "title": "Old 5k",
                    "start_time": "2026-03-01T08:00:00+00:00",
                    "origin": "strava",
                },
                "improvement": 55.0,
            },
            {
                "distance": 10000,
                "label": "10 km",
                "elapsed": 3000.0,
                "pace": 300.0,
                "run_id": 12,
                "title": "Tempo",
                "start_time": "2026-10-03T07:00:00+00:00",
                "origin": "whole",
                "previous": None,
                "improvement": None,
            },
        ],
        "longest_run": {
            "run_id": 13,
            "title": "Long & slow",
            "start_time": "2026-10-19T07:30:00+00:00",
            "distance": 12_500.0,
            "moving_time": 3950,
        },
    }


def parts(report: dict[str, Any], user: dict[str, Any] = RUNNER) -> tuple[Any, str, str]:
    """The message as a mail client reads it back: headers, plain text, HTML."""
    message = build_message(report, user, "Runnerly <reports@runnerly.example>", LINKS)
    parsed = message_from_bytes(message.as_bytes(), policy=default_policy)
    text = parsed.get_body(("plain",)).get_content()
    page = parsed.get_body(("html",)).get_content()
    return parsed, text, page


def test_the_mail_is_text_and_html_alternatives_to_the_runner_about_the_month():
    message, text, page = parts(make_report())
    assert message["Subject"] == "Your running in October 2026"
    assert message["To"].addresses[0].addr_spec == "ann@example.org"
    assert message["To"].addresses[0].display_name == "Ann Lee"
    assert message["From"].addresses[0].addr_spec == "reports@runnerly.example"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert text.startswith("Hi Ann,")
    assert "Your running in October 2026" in page


def test_the_same_month_of_the_same_runner_always_has_the_same_message_id():
    first, _, _ = parts(make_report())
    again, _, _ = parts(make_report())
    other = make_report() | {"month": 9}
    assert first["Message-ID"] == again["Message-ID"] == "<report-7-2026-10@runnerly.example>"
    assert parts(other)[0]["Message-ID"] != first["Message-ID"]


def test_the_totals_are_the_months_distance_time_elevation_and_pace():
    _, text, page = parts(make_report())
    distance = sum(r[0] for r in OCTOBER)
    moving = sum(r[1] for r in OCTOBER)
    pace = round(moving * 1000 / distance)
    runs_row = next(line for line in text.splitlines() if line.startswith("Runs"))
    assert runs_row.split()[1:3] == [str(len(OCTOBER)), str(len(SEPTEMBER))]
    for shown in (
        f"{distance / 1000:.1f} km",
        f"{moving // 3600} h {round(moving % 3600 / 60):02d} min",
        f"{sum(r[2] for r in OCTOBER):.0f} m",
        f"{pace // 60}:{pace % 60:02d} /km",
    ):
        assert shown in text
        assert shown in page


def test_the_comparison_shows_each_change_from_the_previous_month():
    report = make_report()
    _, text, page = parts(report)
    rows = {line.split("  ")[0]: line for line in text.splitlines()}
    added = sum(r[0] for r in OCTOBER) - sum(r[0] for r in SEPTEMBER)
    percent = added * 100 / sum(r[0] for r in SEPTEMBER)
    assert rows["Runs"].endswith("+1 (+50.0%)")
    assert rows["Distance"].endswith(f"+{added / 1000:.1f} km (+{percent:.1f}%)")
    # October is faster: a lower pace, shown as such rather than as a negative number.
    seconds = report["comparison"]["average_pace"]["delta"]
    assert seconds < 0
    assert rows["Average pace"].endswith(f"0:{round(-seconds):02d} /km faster")
    assert "+1 (+50.0%)" in page


def test_a_month_less_than_the_previous_shows_minus_signs():
    report = make_report()
    report["totals"], report["previous_month"] = report["previous_month"], report["totals"]
    report["comparison"] = compare(report["totals"], report["previous_month"])
    _, text, _ = parts(report)
    rows = {line.split("  ")[0]: line for line in text.splitlines()}
    assert rows["Runs"].endswith("-1 (-33.3%)")
    assert " /km slower" in rows["Average pace"]


def test_records_name_the_run_the_time_and_what_they_beat():
    _, text, _ = parts(make_report())
    assert "5 km: 22:05 (4:25 /km)" in text
    assert "0:55 faster than your previous best, 23:00" in text
    assert "10 km: 50:00 (5:00 /km), “Tempo” on 3 October; your first 10 km" in text
    assert "Longest run: “Long & slow”, 12.5 km in 1:05:50 on 19 October" in text


def test_run_titles_are_escaped_in_the_html_never_markup():
    _, text, page = parts(make_report())
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; parkrun" in page
    assert "Long &amp; slow" in page
    assert "<script>alert('x')</script> parkrun" in text  # plain text shows it as written


def test_a_runner_who_prefers_imperial_reads_miles_feet_and_minutes_per_mile():
    _, text, _ = parts(make_report(), RUNNER | {"units": "imperial"})
    distance = sum(r[0] for r in OCTOBER)
    pace = round(sum(r[1] for r in OCTOBER) * 1000 / distance, 1) * 1.609344
    assert f"{distance / 1609.344:.1f} mi" in text
    assert f"{sum(r[2] for r in OCTOBER) / 0.3048:,.0f} ft" in text
    assert f"{round(pace) // 60}:{round(pace) % 60:02d} /mi" in text
    rows = {line.split("  ")[0]: line for line in text.splitlines()}
    assert not any("km" in rows[label] for label in ("Distance", "Average pace"))


def test_a_name_cannot_add_headers_to_the_mail():
    user = RUNNER | {"first_name": "Ann\r\nBcc: victim@example.org", "last_name": "<Lee>"}
    message, text, _ = parts(make_report(), user)
    assert message["Bcc"] is None
    assert message["To"].addresses[0].addr_spec == "ann@example.org"
    assert text.startswith("Hi AnnBcc: victim@example.org,")


def test_a_previous_month_without_runs_has_no_percent_and_no_pace_change():
    report = make_report()
    report["previous_month"] = totals("2026-09-01", [])
    report["comparison"] = copy.deepcopy(report["comparison"])
    for field in ("count", "distance", "moving_time", "elapsed_time", "elevation_gain"):
        report["comparison"][field] = {"delta": report["totals"][field], "percent": None}
    report["comparison"]["average_pace"] = {"delta": None, "percent": None}
    _, text, _ = parts(report)
    rows = {line.split("  ")[0]: line for line in text.splitlines()}
    assert rows["Runs"].endswith(f"+{len(OCTOBER)}")
    assert rows["Average pace"].endswith("–")


@pytest.mark.parametrize(
    ("seconds_per_km", "shown"),
    [(299.6, "5:00 /km"), (300.4, "5:00 /km"), (359.5, "6:00 /km"), (245.0, "4:05 /km")],
)
def test_paces_round_to_whole_seconds_without_a_60th_second(seconds_per_km, shown):
    assert fmt.pace(seconds_per_km, fmt.METRIC) == shown


def test_durations_read_as_race_times_and_month_totals_as_hours():
    assert fmt.clock(3750) == "1:02:30"
    assert fmt.clock(2525) == "42:05"
    assert fmt.hours_minutes(14 * 3600 + 5 * 60 + 10) == "14 h 05 min"
    assert fmt.hours_minutes(45 * 60) == "45 min"


def test_the_subject_names_the_month_in_english():
    assert subject(2026, 1) == "Your running in January 2026"
    assert subject(2025, 12) == "Your running in December 2025"


def test_a_run_is_named_by_its_local_day_not_utcs():
    # 00:30 in Paris on 1 November is 23:30 UTC on 31 October: the runner ran on the 1st.
    report = make_report()
    report["longest_run"]["start_time"] = "2026-10-31T23:30:00+00:00"
    report["longest_run"]["start_local"] = "2026-11-01T00:30:00"
    _, text, _ = parts(report)
    assert "12.5 km in 1:05:50 on 1 November" in text
