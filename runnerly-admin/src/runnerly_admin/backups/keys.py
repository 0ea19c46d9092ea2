"""age keys: the recipients a backup is encrypted to, the identity that opens it.

x25519 keys (``age-keygen``'s, or ``runnerly backup keygen``'s): the host that makes backups
needs only the public key, so a stolen host or backup volume reads none of them.
"""

from __future__ import annotations

from pyrage import IdentityError, RecipientError, x25519

from runnerly_admin.backups.errors import BackupError
from runnerly_admin.backups.settings import BackupSettings

RECIPIENT = BackupSettings.env_name("recipient")
IDENTITY = BackupSettings.env_name("identity")


def identities(settings: BackupSettings) -> list[x25519.Identity]:
    """The identity that opens backups; the error names the setting when it is unset."""
    if not settings.identity:
        raise BackupError(f"set {IDENTITY}_FILE (or {IDENTITY}): the age key that opens backups")
    found = []
    for line in settings.identity.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):  # age-keygen's file has comment lines
            try:
                found.append(x25519.Identity.from_str(line))
            except IdentityError:
                raise BackupError(
                    f"{IDENTITY}: not an age secret key (AGE-SECRET-KEY-1...)"
                ) from None
    if not found:
        raise BackupError(f"{IDENTITY}: no age secret key in it")
    return found


def recipients(settings: BackupSettings) -> list[x25519.Recipient]:
    """The public keys to encrypt to: ``RUNNERLY_BACKUP_RECIPIENT``, else the identity's."""
    if not settings.recipient:
        if settings.identity:
            return [identity.to_public() for identity in identities(settings)]
        raise BackupError(
            f"set {RECIPIENT} to the age public key (age1...) backups are encrypted to"
        )
    try:
        return [x25519.Recipient.from_str(key) for key in settings.recipient]
    except RecipientError:
        raise BackupError(f"{RECIPIENT}: not an age public key (age1...)") from None


def generate() -> tuple[str, str]:
    """A new (secret key, public key) pair."""
    identity = x25519.Identity.generate()
    return str(identity), str(identity.to_public())
