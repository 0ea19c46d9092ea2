"""Limits on requests that send mail (password reset links): each request counts, in a
fixed window, on the address it names and on the client's address, whatever the answer.

Counted on the email asked about, not the account: the count is the same whether or not
an account uses the address, so a 429 tells nothing about who is registered.  Per email,
a few links an hour are plenty for a runner and keep anyone from filling a stranger's
inbox; per client address, one machine cannot spray many addresses.  The counters live in
the login throttle's store (:mod:`runnerly_web.throttle`), under keys of their own.
"""

from __future__ import annotations

from runnerly_web.throttle import Counter, RedisCounter, SQLiteCounter


class RequestLimit:
    def __init__(self, counter: Counter, *, window: int, per_email: int, per_address: int) -> None:
        self.counter = counter
        self.window = window
        self.limits = {"email": per_email, "address": per_address}

    def _keys(self, email: str, address: str) -> dict[str, str]:
        return {
            "email": f"reset:email:{email.strip().casefold()}",
            "address": f"reset:address:{address}",
        }

    def take(self, email: str, address: str) -> int:
        """0 when the request may go ahead (and is counted), else the seconds to wait."""
        keys = self._keys(email, address)
        wait = 0
        for kind, key in keys.items():
            count, remaining = self.counter.count(key)
            if count >= self.limits[kind]:
                wait = max(wait, remaining)
        if wait:
            return wait
        for key in keys.values():
            self.counter.add(key, self.window)
        return 0


def make_request_limit(redis_url: str, sqlite_path: str, **limits: int) -> RequestLimit:
    counter: Counter = (
        RedisCounter(redis_url, prefix="runnerly-web:mail-limit:")
        if redis_url
        else SQLiteCounter(sqlite_path)
    )
    return RequestLimit(counter, **limits)
