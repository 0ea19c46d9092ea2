from __future__ import annotations

from sqlalchemy import Boolean, Float, String
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

    @property
    def audience_set(self) -> frozenset[str]:
        return frozenset(self.audiences.split())

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def user_scope_set(self) -> frozenset[str]:
        return frozenset(self.user_scopes.split())

    def describe(self) -> dict[str, object]:
        return {
            "client_id": self.client_id,
            "audiences": sorted(self.audience_set),
            "scopes": sorted(self.scope_set),
            "user_scopes": sorted(self.user_scope_set),
            "disabled": self.disabled,
        }
