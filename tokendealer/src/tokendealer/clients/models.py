from __future__ import annotations

from sqlalchemy import Boolean, Float, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from tokendealer.models import Base


class Client(Base):
    __tablename__ = "clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_salt: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(128))
    # Space-separated, as in OAuth's own ``scope`` parameter.
    audiences: Mapped[str] = mapped_column(String(1024))
    scopes: Mapped[str] = mapped_column(String(1024))
    # Scopes the client may obtain for a runner by token exchange; empty: none.
    user_scopes: Mapped[str] = mapped_column(String(1024), default="")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)
    # A third-party app (decision 54): its name as runners see it on the consent page;
    # None for the suite's own clients.  Apps get tokens only by the authorization code
    # flow, for the runner who consented, and only `user_scopes`.
    app_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Space-separated; compared exactly (a loopback one on any port, RFC 8252 §7.3).
    redirect_uris: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A public app (a script, a native or browser app) holds no secret; PKCE protects its
    # codes, and its secret_hash is of a secret nobody was ever told.
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def audience_set(self) -> frozenset[str]:
        return frozenset(self.audiences.split())

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def user_scope_set(self) -> frozenset[str]:
        return frozenset(self.user_scopes.split())

    @property
    def is_app(self) -> bool:
        return self.app_name is not None

    @property
    def redirect_uri_list(self) -> list[str]:
        return self.redirect_uris.split()

    def describe(self) -> dict[str, object]:
        described: dict[str, object] = {
            "client_id": self.client_id,
            "audiences": sorted(self.audience_set),
            "scopes": sorted(self.scope_set),
            "user_scopes": sorted(self.user_scope_set),
            "disabled": self.disabled,
        }
        if self.is_app:
            described.update(
                app_name=self.app_name, redirect_uris=self.redirect_uri_list, public=self.public
            )
        return described
