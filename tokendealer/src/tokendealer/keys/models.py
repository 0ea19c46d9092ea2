from __future__ import annotations

from sqlalchemy import Float, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tokendealer.models import Base


class SigningKey(Base):
    """A key pair.  Its life: published as *next* (``activated_at`` empty), then *current*
    (signs), then *retired* (still published until its last token has expired)."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    # PKCS#8 PEM, encrypted with the keys passphrase when one is configured.
    private_pem: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    activated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    retired_at: Mapped[float | None] = mapped_column(Float, nullable=True)
