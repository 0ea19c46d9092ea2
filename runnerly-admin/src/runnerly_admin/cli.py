"""``runnerly``: the operator's command line.

Each command is a thin layer over a service's admin facade (``dataservice.admin``,
``tokendealer.admin``), reading that service's settings (``--config`` or the environment,
as the services do).  Failures an operator can meet are one line on stderr with exit code 1
(2 for a wrong command line), never a traceback: see :mod:`runnerly_admin.failures`.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from runnerly_admin import accounts, clients, export, imports, keys, sync, two_factor
from runnerly_admin.backups.commands import backup
from runnerly_admin.failures import explain


class AdminGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            problem = explain(exc)
            if problem is None:
                raise
            raise problem from None


@click.group(cls=AdminGroup)
def main() -> None:
    """Administer a Runnerly deployment: administrators, OAuth clients, signing keys,
    Strava syncs, imports, exports and backups."""


for command in (
    accounts.create_admin,
    clients.add_client,
    clients.add_app,
    clients.rotate_keys,
    keys.keys,
    sync.sync,
    imports.import_files,
    export.export,
    two_factor.two_factor,
    backup,
):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
