"""What a runner has granted: to an app (by consent) or to themselves (a personal token).

Secrets (codes, refresh tokens, personal tokens) are 256-bit random values: only their
SHA-256 is stored, as for client secrets (clients/registry.py), so a copy of the database
cannot be used to act for anyone.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tokendealer.models import Base

APP = "app"
PERSONAL = "personal"


class RunnerGrant(Base):
    """One consent of a runner to an app, or one personal access token: the family its
    refresh tokens belong to (revoking it ends them all)."""

    __tablename__ = "runner_grants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    runner_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # APP or PERSONAL
    # The app's client; None for a personal token.
    client_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("clients.client_id", ondelete="CASCADE"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(100), default="")  # a personal token's label
    scopes: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[float] = mapped_column(Float)
    # When a token was last issued under it (the dataservice verifies tokens locally, so
    # this is the last refresh or exchange, not the last API call).
    last_used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)  # personal tokens
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # A personal token's SHA-256 (hex); None for an app's grant.
    secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("clients.client_id", ondelete="CASCADE")
    )
    runner_id: Mapped[int] = mapped_column(BigInteger)
    scopes: Mapped[str] = mapped_column(String(1024))
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    code_challenge: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # What the code's exchange issued: revoked if the code is presented again.
    grant_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("runner_grants.id", ondelete="CASCADE"), nullable=True
    )


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("runner_grants.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    # Set when it is exchanged: presented again, it is a stolen copy (or a replay), and the
    # whole grant is revoked (OAuth 2.1 §4.3.1, refresh token rotation).
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
