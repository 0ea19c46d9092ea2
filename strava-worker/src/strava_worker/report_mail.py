"""The monthly report email, built from the dataservice's report of one runner's month.

One set of rows is formatted once, then written twice: plain text and a simple HTML
version (every value from the runner's data escaped: run titles and names are theirs).
The ``Message-ID`` is the same for the same runner and month, so should a crash ever
make the worker send a month twice, mail clients that collapse duplicates show it once.
It is optional mail: it links back to the app, carries the runner's one-click unsubscribe
headers (RFC 8058, :mod:`runnerly_common.unsubscribe`) and shows the same link in its
footer, beside the page where the day it arrives is chosen.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, fields
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from typing import Any

from runnerly_common import unsubscribe
from strava_worker import report_format as fmt


@dataclass(frozen=True)
class Links:
    """Where the mail points: the app, the runner's profile, their unsubscribe page."""

    app: str
    preferences: str
    unsubscribe: str
    token: str
    mailto: str = ""

    @classmethod
    def make(cls, public_url: str, token: str, mailto: str = "") -> Links:
        base = public_url.rstrip("/") or "http://localhost:8080"
        return cls(
            app=f"{base}/",
            preferences=f"{base}/profile",
            unsubscribe=unsubscribe.unsubscribe_url(base, token),
            token=token,
            mailto=mailto,
        )


@dataclass(frozen=True)
class Row:
    label: str
    this_month: str
    previous_month: str
    change: str


@dataclass(frozen=True)
class ReportView:
    """What the mail says, every figure already a string in the runner's units."""

    subject: str
    greeting: str
    month: str
    previous: str
    rows: list[Row]
    records: list[str]
    longest_run: str | None


def subject(year: int, month: int) -> str:
    return f"Your running in {fmt.month_name(year, month)}"


def _clean(text: str) -> str:
    # Profile names end up in headers: no line breaks or other control characters.
    return "".join(ch for ch in text if ch.isprintable()).strip()


def view(report: dict[str, Any], user: dict[str, Any]) -> ReportView:
    units = fmt.units_for(user.get("units"))
    year, month = report["year"], report["month"]
    now, before, change = report["totals"], report["previous_month"], report["comparison"]
    previous_month = month - 1 or 12
    rows = [
        Row(
            "Runs",
            str(now["count"]),
            str(before["count"]),
            fmt.count_change(change["count"]["delta"], change["count"]["percent"]),
        ),
        Row(
            "Distance",
            fmt.distance(now["distance"], units),
            fmt.distance(before["distance"], units),
            fmt.distance_change(change["distance"]["delta"], change["distance"]["percent"], units),
        ),
        Row(
            "Moving time",
            fmt.hours_minutes(now["moving_time"]),
            fmt.hours_minutes(before["moving_time"]),
            fmt.time_change(change["moving_time"]["delta"], change["moving_time"]["percent"]),
        ),
        Row(
            "Elevation gain",
            fmt.elevation(now["elevation_gain"], units),
            fmt.elevation(before["elevation_gain"], units),
            fmt.elevation_change(
                change["elevation_gain"]["delta"], change["elevation_gain"]["percent"], units
            ),
        ),
        Row(
            "Average pace",
            fmt.pace(now["average_pace"], units),
            fmt.pace(before["average_pace"], units),
            fmt.pace_change(change["average_pace"]["delta"], units),
        ),
    ]
    name = _clean(user.get("first_name") or "")
    return ReportView(
        subject=subject(year, month),
        greeting=f"Hi {name}," if name else "Hello,",
        month=fmt.month_name(year, month),
        previous=fmt.MONTHS[previous_month - 1],
        rows=rows,
        records=[_record(record, units) for record in report["records_set"]],
        longest_run=_longest(report["longest_run"], units),
    )


def _record(record: dict[str, Any], units: fmt.Units) -> str:
    line = (
        f"{record['label']}: {fmt.clock(record['elapsed'])} ({fmt.pace(record['pace'], units)}),"
        f" “{record['title']}” on {fmt.day_name(_local(record))}"
    )
    previous = record.get("previous")
    if previous is None:
        return f"{line}; your first {record['label']}"
    return (
        f"{line}; {fmt.clock(record['improvement'])} faster than your previous best, "
        f"{fmt.clock(previous['elapsed'])}"
    )


def _longest(run: dict[str, Any] | None, units: fmt.Units) -> str | None:
    if run is None:
        return None
    return (
        f"“{run['title']}”, {fmt.distance(run['distance'], units)} in "
        f"{fmt.clock(run['moving_time'])} on {fmt.day_name(_local(run))}"
    )


def _local(run: dict[str, Any]) -> str:
    """The run's day where it was run (``start_local``, the report's calendar); the UTC
    instant from a dataservice that does not send it."""
    result: str = run.get("start_local") or run["start_time"]
    return result


def render_text(v: ReportView, links: Links) -> str:
    header = Row("", "This month", v.previous, "Change")
    table = [header, *v.rows]
    widths = [max(len(getattr(row, f.name)) for row in table) for f in fields(Row)]
    lines = [v.greeting, "", f"Your running in {v.month}:", ""]
    for row in table:
        cells = (row.label, row.this_month, row.previous_month, row.change)
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    lines.append("")
    if v.records:
        lines += ["Records set this month:", *(f"- {r}" for r in v.records), ""]
    if v.longest_run:
        lines += [f"Longest run: {v.longest_run}", ""]
    lines += [f"See every run in Runnerly: {links.app}", ""]
    lines += ["Keep running,", "Runnerly", ""]
    lines += [
        "-- ",
        "You get this report once a month. Choose the day it arrives, or turn it off:",
        links.preferences,
        f"Unsubscribe from it: {links.unsubscribe}",
    ]
    return "\n".join(lines) + "\n"


def render_html(v: ReportView, links: Links) -> str:
    e = html.escape
    cell = '<td style="padding:4px 12px">{}</td>'
    head = "".join(
        f"<th style='padding:4px 12px'>{e(h)}</th>"
        for h in ("", "This month", v.previous, "Change")
    )
    body = "".join(
        "<tr>"
        + "".join(cell.format(e(c)) for c in (r.label, r.this_month, r.previous_month, r.change))
        + "</tr>"
        for r in v.rows
    )
    parts = [
        f"<p>{e(v.greeting)}</p>",
        f"<h2>Your running in {e(v.month)}</h2>",
        f"<table style='border-collapse:collapse'><tr>{head}</tr>{body}</table>",
    ]
    if v.records:
        items = "".join(f"<li>{e(r)}</li>" for r in v.records)
        parts.append(f"<h3>Records set this month</h3><ul>{items}</ul>")
    if v.longest_run:
        parts.append(f"<p>Longest run: {e(v.longest_run)}</p>")
    parts.append(f'<p><a href="{e(links.app)}">See every run in Runnerly</a></p>')
    parts.append("<p>Keep running,<br>Runnerly</p>")
    parts.append(
        '<hr><p style="font-size:small;color:#555">You get this report once a month. '
        f'<a href="{e(links.preferences)}">Choose the day it arrives</a> or '
        f'<a href="{e(links.unsubscribe)}">unsubscribe</a>.</p>'
    )
    page = "".join(parts)
    return f'<!DOCTYPE html><html><body style="font-family:sans-serif">{page}</body></html>\n'


def build_message(
    report: dict[str, Any], user: dict[str, Any], sender: str, links: Links
) -> EmailMessage:
    """The multipart (text, then HTML) report mail from ``sender`` to the runner."""
    v = view(report, user)
    full_name = _clean(f"{user.get('first_name') or ''} {user.get('last_name') or ''}")
    domain = parseaddr(sender)[1].rpartition("@")[2] or "runnerly.local"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((full_name, user["email"]))
    message["Subject"] = v.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = (
        f"<report-{report['runner_id']}-{report['year']:04d}-{report['month']:02d}@{domain}>"
    )
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    unsubscribe.add_to(message, links.app, links.token, links.mailto or None)
    message.set_content(render_text(v, links))
    message.add_alternative(render_html(v, links), subtype="html")
    return message
