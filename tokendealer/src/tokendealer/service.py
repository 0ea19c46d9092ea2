"""The tokendealer's service layer, shared by the HTTP views and the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app

from runnerly_common.auth import TokenVerifier
from runnerly_common.db import Database, pool_options
from tokendealer.keys.keyring import KeyRing
from tokendealer.migrate import upgrade
from tokendealer.runners import SELF_CLIENT_ID, SELF_TOKEN_TTL, RunnerDirectory
from tokendealer.settings import TokenDealerSettings
from tokendealer.tokens.issuer import issue


class _OwnKeys:
    """A key source over the key ring, for verifying tokens we issued ourselves."""

    def __init__(self, dealer: TokenDealer) -> None:
        self.dealer = dealer

    def get(self, kid: str) -> Any:
        with self.dealer.db.sessionmaker() as session:
            return self.dealer.keyring.public_key(session, kid)


class TokenDealer:
    def __init__(self, settings: TokenDealerSettings) -> None:
        self.settings = settings
        self.db = Database(
            settings.database_url,
            **pool_options(settings.database_url, settings.db_pool_size, settings.db_max_overflow),
        )
        self.keyring = KeyRing(
            alg=settings.signing_alg,
            passphrase=settings.keys_passphrase,
            max_token_ttl=settings.max_token_ttl,
            leeway=settings.token_leeway,
        )
        self.verifier = TokenVerifier(
            _OwnKeys(self),
            issuer=settings.token_issuer,
            audience=None,
            algorithms=("ES256", "RS256", "EdDSA"),
            leeway=settings.token_leeway,
            # Its own tokens are never longer; introspection refuses longer ones too.
            max_lifetime=max(settings.max_token_ttl, SELF_TOKEN_TTL),
        )
        self.runners = RunnerDirectory(
            settings.dataservice_url,
            self._self_token,
            cache_seconds=settings.runner_cache_seconds,
            timeout=settings.dataservice_timeout,
        )

    def _self_token(self, audiences: list[str], scopes: list[str], ttl: int) -> str:
        """A token of the tokendealer's own, for its calls to the dataservice."""
        token, _ = self.issue_token(
            client_id=SELF_CLIENT_ID,
            subject=SELF_CLIENT_ID,
            audiences=audiences,
            scopes=scopes,
            ttl=ttl,
        )
        return token

    def setup(self) -> None:
        """Migrate the schema to head (adopting a database made before migrations), make
        the first keys, and check the keys decrypt (raising ``KeysPassphraseError`` when
        not); safe to run at every start, by several processes at once."""
        upgrade(self.settings.database_url)
        with self.db.transaction() as session:
            self.keyring.ensure(session)
            self.keyring.check(session)

    def issue_token(
        self,
        *,
        client_id: str,
        subject: str,
        audiences: Iterable[str],
        scopes: Iterable[str],
        ttl: int,
        extra: dict[str, Any] | None = None,
    ) -> tuple[str, dict[str, Any]]:
        with self.db.sessionmaker() as session:
            signer = self.keyring.signer(session)
        return issue(
            signer,
            issuer=self.settings.token_issuer,
            client_id=client_id,
            subject=subject,
            audiences=sorted(audiences),
            scopes=sorted(scopes),
            ttl=ttl,
            extra=extra,
        )


def dealer() -> TokenDealer:
    """The current app's tokendealer."""
    result: TokenDealer = current_app.extensions["tokendealer"]
    return result
