from __future__ import annotations

from sqlalchemy import Float, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tokendealer.models import Base


class SigningKey(Base):
    """A key pair.  Its life: published as *next* (``activated_at`` empty), then *current*
    (signs), then *retired* (still published until its last token has expired).  A key
    may be *revoked* at any point (a leak): withdrawn from the JWKS at once, its private
    half erased, the row kept as the record of who revoked it and when."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    # PKCS#8 PEM, encrypted with the keys passphrase when one is configured.
    private_pem: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    activated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    retired_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
