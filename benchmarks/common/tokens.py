"""The tokens a benchmark sends to a service, as the tokendealer would issue them."""

from __future__ import annotations

from runnerly_common.testing import SigningKey, sign_token


class Tokens:
    """Tokens as the tokendealer would issue them, signed before any timing starts."""

    def __init__(self, key: SigningKey) -> None:
        self.key = key
        self.runners: dict[int, dict[str, str]] = {}

    def runner(self, runner_id: int) -> dict[str, str]:
        """A runner's token, obtained by runnerly-web (token exchange: it has ``act``)."""
        if runner_id not in self.runners:
            token = sign_token(
                self.key,
                audience="dataservice",
                subject=str(runner_id),
                scope="runs:read",
                ttl=3600,
                client_id="runnerly-web",
                act={"sub": "runnerly-web"},
            )
            self.runners[runner_id] = {"Authorization": f"Bearer {token}"}
        return self.runners[runner_id]

    def worker(self) -> dict[str, str]:
        """The Strava worker's service token (client_credentials)."""
        token = sign_token(
            self.key,
            audience="dataservice",
            subject="strava-worker",
            scope="runs:write",
            ttl=3600,
            client_id="strava-worker",
        )
        return {"Authorization": f"Bearer {token}"}
