"""A window is read whole whatever order Strava's pages come in, over many generated
histories: ties in one second, page boundaries anywhere, uploads and deletions between two
pages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from strava_worker.listing import Window, next_window

Activity = dict[str, Any]
BASE = 1_700_000_000


def activity(number: int, start: int) -> Activity:
    moment = datetime.fromtimestamp(BASE + start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": number, "start_date": moment}


def start(a: Activity) -> int:
    return int(datetime.fromisoformat(a["start_date"].replace("Z", "+00:00")).timestamp())


def newest_first(items: list[Activity], window: Window) -> list[Activity]:
    return sorted(items, key=lambda a: (start(a), a["id"]), reverse=True)


def oldest_first(items: list[Activity], window: Window) -> list[Activity]:
    return sorted(items, key=lambda a: (start(a), a["id"]))


def as_strava_is_reported(items: list[Activity], window: Window) -> list[Activity]:
    """Oldest first when only ``after`` is given, newest first otherwise."""
    if window.after is not None and window.before is None:
        return oldest_first(items, window)
    return newest_first(items, window)


ORDERS = [newest_first, oldest_first, as_strava_is_reported]


class Server:
    """``/athlete/activities`` over a list that can change between two requests."""

    def __init__(self, items: list[Activity], order: Callable[..., list[Activity]]) -> None:
        self.items = items
        self.order = order
        self.requests = 0

    def list(self, window: Window, per_page: int) -> list[Activity]:
        self.requests += 1
        chosen = [
            a
            for a in self.items
            if (window.after is None or start(a) > window.after)
            and (window.before is None or start(a) < window.before)
        ]
        ordered = self.order(chosen, window)
        return ordered[(window.page - 1) * per_page : window.page * per_page]


def read(server: Server, window: Window, per_page: int, between: Callable[[], None] = lambda: None):
    seen: list[Activity] = []
    current: Window | None = window
    while current is not None:
        page = server.list(current, per_page)
        seen += page
        current = next_window(current, page, per_page)
        between()
        assert server.requests < 10_000, "the read does not end"
    return seen


histories = st.lists(st.integers(min_value=0, max_value=400), max_size=120).map(
    lambda starts: [activity(i + 1, s) for i, s in enumerate(starts)]
)


@settings(max_examples=300, deadline=None)
@given(
    history=histories,
    order=st.sampled_from(ORDERS),
    per_page=st.integers(min_value=1, max_value=12),
    after=st.one_of(st.none(), st.integers(min_value=-5, max_value=300)),
    before=st.one_of(st.none(), st.integers(min_value=100, max_value=500)),
)
def test_every_activity_of_the_window_is_read(history, order, per_page, after, before):
    window = Window(
        None if after is None else BASE + after, None if before is None else BASE + before
    )
    server = Server(history, order)
    seen = {a["id"] for a in read(server, window, per_page)}
    expected = {
        a["id"]
        for a in history
        if (window.after is None or start(a) > window.after)
        and (window.before is None or start(a) < window.before)
    }
    assert seen == expected


@settings(max_examples=300, deadline=None)
@given(
    history=histories,
    order=st.sampled_from(ORDERS),
    per_page=st.integers(min_value=2, max_value=12),
    uploads=st.lists(st.integers(min_value=0, max_value=400), max_size=20),
    deletions=st.lists(st.integers(min_value=0, max_value=200), max_size=20),
)
def test_uploads_and_deletions_between_pages_shift_nothing_out_of_sight(
    history, order, per_page, uploads, deletions
):
    """Page numbers shift when an activity arrives or goes mid-read; a window that shrinks
    from what it has read does not: every activity there from start to end is read.
    (Only a full page all in one second is read by page number: 200 activities starting in
    the same second do not happen.)"""
    seconds = Counter(start(a) for a in [*history, *(activity(0, s) for s in uploads)])
    assume(max(seconds.values(), default=0) < per_page)
    server = Server(list(history), order)
    arriving = [activity(10_000 + i, s) for i, s in enumerate(uploads)]
    leaving = [history[d % len(history)]["id"] for d in deletions] if history else []

    def change() -> None:
        if arriving:
            server.items.append(arriving.pop())
        if leaving:
            gone = leaving.pop()
            server.items = [a for a in server.items if a["id"] != gone]

    kept = {a["id"] for a in history} - set(leaving)
    seen = {a["id"] for a in read(server, Window(BASE - 1), per_page, change)}
    assert kept <= seen


def test_a_full_page_of_one_second_goes_on_by_page_number():
    page = [activity(i, 50) for i in range(5)]
    assert next_window(Window(BASE, None, 1), page, 5) == Window(BASE, None, 2)


def test_a_short_page_ends_the_window():
    assert next_window(Window(), [activity(1, 5)], 5) is None


def test_newest_first_shrinks_from_above_keeping_the_last_second():
    page = [activity(3, 30), activity(2, 20), activity(1, 10)]
    assert next_window(Window(), page, 3) == Window(None, BASE + 11, 1)


def test_oldest_first_shrinks_from_below_keeping_the_last_second():
    page = [activity(1, 10), activity(2, 20), activity(3, 30)]
    assert next_window(Window(BASE), page, 3) == Window(BASE + 29, None, 1)


def test_a_window_edge_stays_within_the_dates_the_dataservice_stores():
    """A backfill's progress is stored as a date-time: an activity dated 1960 or 9999
    must not make its window edge one the dataservice refuses (and block the backfill)."""
    stamp = lambda text: {"id": 1, "start_date": text}  # noqa: E731
    newest = [stamp("2024-01-01T00:00:00Z"), stamp("1960-05-01T08:00:00Z")]
    assert next_window(Window(), newest, 2) == Window(None, 0, 1)  # 1970-01-01
    oldest = [stamp("2024-01-01T00:00:00Z"), stamp("9999-12-31T08:00:00Z")]
    last = int(datetime(2101, 1, 1, tzinfo=UTC).timestamp()) - 1  # 2100-12-31T23:59:59
    assert next_window(Window(), oldest, 2) == Window(last, None, 1)
