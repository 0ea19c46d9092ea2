"""The backup commands' own settings (``RUNNERLY_BACKUP_*``); what they back up is named by
the services' variables (:mod:`runnerly_admin.backups.sources`)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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
    # come apart, from ``postgres_password`` (a file only the drill or restore is given).
    postgres_url: str = secret()
    postgres_password: str = secret()

    def superuser_url(self) -> str:
        """``postgres_url`` with ``postgres_password`` put in, when given."""
        if not (self.postgres_url and self.postgres_password):
            return self.postgres_url
        try:
            url = make_url(self.postgres_url).set(password=self.postgres_password)
        except ArgumentError:
            return self.postgres_url  # named as not a URL where it is used
        return url.render_as_string(hide_password=False)

    def check(self) -> None:
        # Which secret a command needs depends on the command (a backup needs a recipient, a
        # drill the identity): each names what it lacks when it runs, not every command all.
        pass
