"""The one error the backup commands raise: a sentence for the operator, exit code 1."""

from __future__ import annotations

import click


class BackupError(click.ClickException):
    """Nothing was written (or what was half-written is gone); the message says why."""
