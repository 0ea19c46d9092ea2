"""The athlete's name for the Strava page, for a link made without runnerly-web's connect
(the demo runner's, links from before names were kept): one ``GET /athlete`` once the
link's first backfill is done, with what the rate budget leaves, kept in the shared store
(:mod:`runnerly_common.strava_athletes`; docs/decisions.md, 59).  A link the web app made
has its name already: nothing is asked."""

from __future__ import annotations

import logging
from typing import Any

from runnerly_common import strava_athletes
from strava_worker.runtime import Runtime
from strava_worker.tokens import with_token

log = logging.getLogger(__name__)


def ensure_named(rt: Runtime, user_id: int, link: dict[str, Any]) -> None:
    """Ask Strava for the athlete when the store does not know them.  The sync is done
    when this runs: nothing here may fail it (no budget left, Strava or the store not
    answering cost only the name, which a later connect brings)."""
    try:
        store = rt.archives.store
        if strava_athletes.known(store, user_id) is not None:
            return
        athlete = with_token(rt, user_id, link, rt.strava.get_athlete)
        strava_athletes.remember(store, user_id, athlete)
    except Exception as exc:  # noqa: BLE001 - a nicety after the work: never the sync's failure
        log.warning("runner %s: the Strava athlete's name is not kept: %s", user_id, exc)
