"""Register the suite's own clients from a TOML file and hand their secrets over in an
env file (the development setup, and a deployment's first start)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from tokendealer.clients import registry
from tokendealer.service import TokenDealer


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, sep, value = line.partition("=")
            if sep and not line.lstrip().startswith("#"):
                values[name.strip()] = value.strip()
    return values


def bootstrap_clients(td: TokenDealer, clients_file: Path, env_file: Path) -> list[str]:
    """Make every listed client exist with the secret found in ``env_file``; a client whose
    secret is missing there (or wrong) gets a new one, written to the file."""
    spec = tomllib.loads(clients_file.read_text(encoding="utf-8"))
    env = read_env_file(env_file)
    updates: dict[str, str] = {}
    written: list[str] = []
    with td.db.transaction() as session:
        for name, entry in spec.get("clients", {}).items():
            prefix = entry["env_prefix"]
            known = env.get(f"{prefix}_SECRET", "")
            if known and registry.authenticate(session, name, known) is not None:
                continue
            if registry.find(session, name) is None:
                _, secret = registry.register(
                    session,
                    name,
                    audiences=entry["audiences"],
                    scopes=[entry.get("scope", "")],
                    user_scopes=[entry.get("user_scope", "")],
                )
            else:
                secret = registry.reset_secret(session, name)
            updates[f"{prefix}_ID"] = name
            updates[f"{prefix}_SECRET"] = secret
            written.append(name)
    if updates:
        _write_env(env_file, {**env, **updates})
    return written


def _write_env(path: Path, values: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# Generated development secrets. Never commit this file.\n")
        out.writelines(f"{k}={v}\n" for k, v in values.items())
    tmp.replace(path)
