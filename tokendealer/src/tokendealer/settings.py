"""The tokendealer's settings (env prefix ``TOKENDEALER_``, INI section ``[tokendealer]``)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from runnerly_common.settings import DatabaseSettings, SettingsError, secret

SIGNING_ALGORITHMS = ("ES256", "RS256", "EdDSA")


@dataclasses.dataclass
class TokenDealerSettings(DatabaseSettings):
    SECTION: ClassVar[str] = "tokendealer"
    ENV_PREFIX: ClassVar[str] = "TOKENDEALER_"

    port: int = 5001
    # Threads per gunicorn worker: a token exchange waits on the dataservice (up to
    # dataservice_timeout), which must not hold the process; the rest is short CPU work
    # (docs/decisions.md, 67). The pool must hold threads + 1 (DatabaseSettings.check).
    threads: int = 2
    database_url: str = "sqlite:///var/tokendealer.db"
    # Encrypts signing keys at rest; required in production.
    keys_passphrase: str = secret()
    signing_alg: str = "ES256"
    access_token_ttl: int = 900
    user_token_ttl: int = 300
    # How long verifiers may cache the JWKS (its Cache-Control max-age): the bound on how
    # long a revoked key's tokens are still accepted (docs/tokens.md, "Revoking a key").
    jwks_max_age: int = 60
    # Token exchange asks the dataservice whether the runner exists, is enabled and holds
    # `admin` (docs/decisions.md, "Token exchange asks the dataservice"); a found runner's
    # answer is kept this long per process (0: never).
    dataservice_url: str = "http://127.0.0.1:5002"
    runner_cache_seconds: int = 5
    # Longer than the dataservice's own JWKS fetch (3 s): when every tokendealer worker is
    # busy asking the dataservice just as its key cache expires, the dataservice's fetch
    # from us gives up first and it answers with the keys it knows, instead of both
    # timing out (docs/decisions.md, "Token exchange asks the dataservice").
    dataservice_timeout: float = 6.0
    max_content_length: int = 16 * 1024

    def check(self) -> None:
        super().check()
        if self.signing_alg not in SIGNING_ALGORITHMS:
            raise SettingsError(
                f"{self.env_name('signing_alg')} must be one of {', '.join(SIGNING_ALGORITHMS)}"
            )
        for name in ("access_token_ttl", "user_token_ttl"):
            if not 30 <= getattr(self, name) <= 86400:
                raise SettingsError(f"{self.env_name(name)} must be between 30 and 86400 seconds")
        if self.max_token_ttl > self.token_max_lifetime_seconds:
            # Every verifier would refuse every token: fail here, at start, not at the
            # first request of each service.
            raise SettingsError(
                f"tokens would live {self.max_token_ttl} s, longer than the "
                f"{self.token_max_lifetime_seconds} s verifiers accept: shorten "
                f"{self.env_name('access_token_ttl')}/{self.env_name('user_token_ttl')} or "
                "raise RUNNERLY_TOKEN_MAX_LIFETIME_SECONDS for every service"
            )
        if not 0 <= self.jwks_max_age <= 3600:
            raise SettingsError(f"{self.env_name('jwks_max_age')} must be 0 to 3600 seconds")
        if not 0 <= self.runner_cache_seconds <= 300:
            raise SettingsError(f"{self.env_name('runner_cache_seconds')} must be 0 to 300")
        if not self.dataservice_url.startswith(("http://", "https://")):
            raise SettingsError(f"{self.env_name('dataservice_url')} must be an http(s) URL")

    @property
    def max_token_ttl(self) -> int:
        return max(self.access_token_ttl, self.user_token_ttl)
