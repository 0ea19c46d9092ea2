"""The mail runnerly-web queues for the worker, read off the broker as the worker would
take it: each ``deliver_mail`` message's arguments (JSON, Celery's protocol 2).

The account tests queue on a Redis database of their own (10), and each test reads only
the mail to its own fresh addresses, taking it off the queue, so tests running at the
same time (or the sync tests on database 9) never see each other's messages.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import redis

from runnerly_common.tasks import DELIVER_MAIL

OUTBOX_DB = 10
QUEUE = DELIVER_MAIL.queue


class Outbox:
    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(url)

    def take(self, address: str, wait: float = 2.0) -> list[dict[str, Any]]:
        """Every mail queued to ``address`` (oldest first), taken off the queue; waits up
        to ``wait`` seconds for the first."""
        deadline = time.monotonic() + wait
        while True:
            found = []
            for raw in self.redis.lrange(QUEUE, 0, -1):
                message = json.loads(raw)
                if message["headers"]["task"] != DELIVER_MAIL.name:
                    continue
                _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
                if kwargs["to"] == address:
                    found.append(kwargs)
                    self.redis.lrem(QUEUE, 1, raw)
            # The broker pushes on the left: the oldest is last.
            if found or time.monotonic() >= deadline:
                return found[::-1]
            time.sleep(0.05)

    def one(self, address: str, subject: str) -> dict[str, Any]:
        mails = [m for m in self.take(address) if m["subject"] == subject]
        assert len(mails) == 1, [m["subject"] for m in mails]
        return mails[0]

    def none(self, address: str) -> None:
        assert self.take(address, wait=0.3) == []


def token_in(mail: dict[str, Any], path: str) -> str:
    """The token of the link to ``path`` in the mail's text (and the same in its HTML)."""
    match = re.search(rf"https?://\S+{re.escape(path)}#token=([A-Za-z0-9_-]+)", mail["text"])
    assert match, mail["text"]
    assert f"{path}#token={match.group(1)}" in mail["html"]
    return match.group(1)
