"""Names for the pairs of shoes the dataservice made from Strava gear ids (decision 64).

A synced run's ``gear_id`` ("g123") maps there to the runner's pair, made on first sight and
named after the id; the batch's answer lists those pairs (``new_gear``), and one
``GET /gear/{id}`` each brings Strava's name, brand and model.  It is a nicety after the
runs are stored: a pair Strava no longer has (404) keeps its name, and no budget, Strava or
the dataservice not answering cost only the name, which the runner can give in the profile.
"""

from __future__ import annotations

import logging
from typing import Any

from strava_worker.runtime import Runtime
from strava_worker.strava import NotFound
from strava_worker.tokens import with_token

log = logging.getLogger(__name__)

NAME_MAX = 100  # the dataservice's name, brand and model


def fields_of(detail: dict[str, Any]) -> dict[str, Any]:
    """What a DetailedGear says of the pair, within the dataservice's bounds; a blank name
    is left out (the pair keeps its own)."""
    fields: dict[str, Any] = {}
    for ours, theirs in (("name", "name"), ("brand", "brand_name"), ("model", "model_name")):
        value = detail.get(theirs)
        if isinstance(value, str) and value.strip():
            fields[ours] = value.strip()[:NAME_MAX]
    return fields


def name_new(rt: Runtime, user_id: int, made: list[dict[str, Any]]) -> None:
    """Name each pair in ``made`` (``[{id, strava_id}]``) from Strava; never raises."""
    if not made:
        return
    try:
        link = rt.dataservice.link(user_id)
        for pair in made:
            strava_id = str(pair["strava_id"])

            def fetch(token: str, gear_id: str = strava_id) -> dict[str, Any]:
                return rt.strava.get_gear(token, gear_id)

            try:
                detail = with_token(rt, user_id, link, fetch)
            except NotFound:
                log.info(
                    "runner %s: Strava has no gear %s: its pair keeps its name",
                    user_id,
                    pair["strava_id"],
                )
                continue
            fields = fields_of(detail)
            if fields:
                rt.dataservice.update_gear(user_id, int(pair["id"]), **fields)
    except Exception as exc:  # noqa: BLE001 - a nicety after the work: never the sync's failure
        log.warning("runner %s: new shoes from Strava not named: %s", user_id, exc)
