"""The backup commands' own settings (``RUNNERLY_BACKUP_*``); what they back up is named by
the services' variables (:mod:`runnerly_admin.backups.sources`)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from runnerly_common.settings import Settings, secret


@dataclasses.dataclass
class BackupSettings(Settings):
    """``RUNNERLY_BACKUP_*`` or ``[backup]``; each secret may come from ``<NAME>_FILE``."""

    SECTION: ClassVar[str] = "backup"
    ENV_PREFIX: ClassVar[str] = "RUNNERLY_BACKUP_"

    # Where backups are kept (created 0700).
    dir: str = "var/backups"
    # age public keys (age1...) a backup is encrypted to; a host that only makes backups
    # needs nothing else. Empty: the public key of ``identity``.
    recipient: tuple[str, ...] = ()
    # The age secret key (AGE-SECRET-KEY-...) that opens backups: for drills and restores.
    identity: str = secret()
    # A role that may create and drop databases (the superuser), for the drill's scratch
    # databases and a restore; the drill never writes to the live ones. Its password may
    # come apart, from ``postgres_password`` (a file only the drill or restore is given;
    # :func:`runnerly_admin.backups.postgres.superuser_url`). This module imports nothing
    # but the toolkit's settings: the deploy tests read it.
    postgres_url: str = secret()
    postgres_password: str = secret()

    def check(self) -> None:
        # Which secret a command needs depends on the command (a backup needs a recipient, a
        # drill the identity): each names what it lacks when it runs, not every command all.
        pass
