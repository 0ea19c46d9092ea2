"""Register the suite's own clients with the secrets a deployment chose.

``tokendealer bootstrap`` (the development setup) generates each client's secret and writes
it into an env file.  A container deployment keeps its secrets in the operator's ``.env``
instead, handed to every container, so here each client's secret is *read* from the
environment (``<env_prefix>_SECRET``, or a file named by ``<env_prefix>_SECRET_FILE``) and
the client is made to match ``config/clients.toml``: created when missing, its audiences
and scopes brought in line with the file, its secret set when it differs.  Safe to run at
every start (``docker compose`` runs it as the ``tokendealer-setup`` service)::

    python -m tokendealer.provision --clients /app/config/clients.toml

The registry hashes secrets with a fast HMAC because they are 256-bit random values (see
``tokendealer.clients.registry``); a secret chosen by an operator keeps that true only if
it is long and random, so short ones are refused: ``openssl rand -hex 32`` makes one.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from runnerly_common import cli
from runnerly_common.settings import SettingsError
from tokendealer.clients import registry
from tokendealer.migrate import SchemaError
from tokendealer.service import TokenDealer
from tokendealer.settings import TokenDealerSettings

# At least 32 characters (`openssl rand -hex 32` gives 64) of what HTTP Basic auth and form
# bodies carry without escaping.
_SECRET = re.compile(r"[A-Za-z0-9._~-]{32,256}")


class ProvisionError(click.ClickException):
    """A client cannot be provisioned; the message names the variable or the entry."""


def client_secret(prefix: str, environ: Mapping[str, str]) -> str:
    """``<prefix>_SECRET`` (or the file ``<prefix>_SECRET_FILE`` names), checked."""
    name, file_name = f"{prefix}_SECRET", f"{prefix}_SECRET_FILE"
    value = environ.get(name, "")
    if environ.get(file_name):
        if value:
            raise ProvisionError(f"set {name} or {file_name}, not both")
        try:
            value = Path(environ[file_name]).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ProvisionError(f"{file_name}: cannot read {environ[file_name]}") from exc
    if not value:
        raise ProvisionError(f"{name} is required (generate one: openssl rand -hex 32)")
    if not _SECRET.fullmatch(value):
        raise ProvisionError(
            f"{name} must be 32 or more of A-Z a-z 0-9 . _ ~ - (openssl rand -hex 32)"
        )
    return value


def provision_clients(
    td: TokenDealer, clients_file: Path, environ: Mapping[str, str]
) -> dict[str, str]:
    """Make every client of ``clients_file`` exist as the file says, with the secret from
    ``environ``.  Returns what happened to each: created, updated or unchanged."""
    spec = tomllib.loads(clients_file.read_text(encoding="utf-8"))
    entries: dict[str, dict[str, Any]] = spec.get("clients", {})
    # Every secret is checked before anything is written: a typo in .env changes nothing.
    wanted = {name: client_secret(entry["env_prefix"], environ) for name, entry in entries.items()}
    outcome: dict[str, str] = {}
    with td.db.transaction() as session:
        for name, entry in entries.items():
            audiences = entry["audiences"]
            scopes, user_scopes = [entry.get("scope", "")], [entry.get("user_scope", "")]
            client = registry.find(session, name)
            if client is None:
                try:
                    client, _ = registry.register(
                        session, name, audiences=audiences, scopes=scopes, user_scopes=user_scopes
                    )
                except registry.RegistryError as exc:
                    raise ProvisionError(f"client {name!r} in {clients_file}: {exc}") from None
                registry.set_secret(client, wanted[name])
                outcome[name] = "created"
                continue
            # Normalized like the registry stores them (sorted, unique words).
            fields = {
                "audiences": registry.words(audiences, "audience"),
                "scopes": registry.words(scopes, "scope"),
                "user_scopes": registry.words(user_scopes, "scope"),
                "disabled": False,
            }
            changed = [field for field, value in fields.items() if getattr(client, field) != value]
            for field in changed:
                setattr(client, field, fields[field])
            if registry.authenticate(session, name, wanted[name]) is None:
                registry.set_secret(client, wanted[name])
                changed.append("secret")
            outcome[name] = "updated" if changed else "unchanged"
    return outcome


@click.command()
@cli.config_option(TokenDealerSettings.SECTION)
@click.option(
    "--clients",
    "clients_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="TOML file listing the suite's clients (config/clients.toml).",
)
def main(config: str | None, clients_file: Path) -> None:
    """Migrate the schema, make the keys, and make the suite's clients with secrets from
    the environment."""
    td = TokenDealer(cli.load_settings(TokenDealerSettings, config))
    try:
        try:
            td.setup()
        except (SettingsError, SchemaError) as exc:  # a setup that cannot sign must not exit 0
            raise click.ClickException(str(exc)) from None
        click.echo(json.dumps({"clients": provision_clients(td, clients_file, os.environ)}))
    finally:
        td.db.dispose()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
