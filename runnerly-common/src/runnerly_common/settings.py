"""One settings object per service: defaults < INI file < environment.

A service subclasses :class:`Settings` as a dataclass, names its INI section and
environment prefix, and marks secrets with :func:`secret`.  We use dataclasses and the
standard library's ``configparser`` rather than pydantic-settings because the latter has
no INI source (the book's format) and would add a compiled dependency to every service
for the sake of a hundred lines.
"""

from __future__ import annotations

import configparser
import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

PRODUCTION = "production"
HSTS_PRODUCTION_SECONDS = 365 * 24 * 3600
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(RuntimeError):
    """Raised when settings cannot be loaded; the message names the variable."""


def secret(default: str = "") -> Any:
    """A field holding a secret: never logged, required in production."""
    return dataclasses.field(default=default, repr=False, metadata={"secret": True})


@dataclasses.dataclass
class Settings:
    """Settings every service shares.  Subclasses set ``SECTION`` and ``ENV_PREFIX``."""

    SECTION: ClassVar[str] = "runnerly"
    ENV_PREFIX: ClassVar[str] = "RUNNERLY_"
    # The secret fields this process uses, when it uses only some of its package's (the
    # worker's webhook intake): only those are required in production, so the others need
    # not be handed to it.  None: every secret field.
    SECRETS_USED: ClassVar[frozenset[str] | None] = None

    env: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0  # 0: derived from the CPU count by the server
    # Threads per gunicorn worker. 1: a sync worker, one request at a time, and every
    # connection closed after its answer. More: a threaded (gthread) worker, in which a
    # request waiting on another service or the database holds a thread, not the process,
    # and connections are kept alive (the gateway's and other services' pools reuse them).
    # A service whose requests mostly wait raises its own default (runnerly-web's).
    threads: int = 1
    log_level: str = "INFO"
    max_content_length: int = 1024 * 1024
    # Where JWT verification finds keys; empty disables bearer-token checks.
    jwks_url: str = ""
    token_issuer: str = "runnerly-tokendealer"
    token_audience: str = ""
    token_algorithms: tuple[str, ...] = ("ES256", "RS256", "EdDSA")
    token_leeway: int = 30
    # The longest a cached JWKS is kept; the tokendealer's Cache-Control max-age (60 s)
    # shortens it, and bounds how long a revoked key's tokens still pass.
    jwks_cache_seconds: int = 300
    jwks_min_refetch_seconds: int = 10
    # Tokens whose exp - iat is longer are refused: the tokendealer issues 900 s at most
    # by default (TOKENDEALER_ACCESS_TOKEN_TTL); raise both together.  Also read from
    # RUNNERLY_TOKEN_MAX_LIFETIME_SECONDS, set once for the whole suite.
    token_max_lifetime_seconds: int = dataclasses.field(
        default=1200, metadata={"aliases": ("RUNNERLY_TOKEN_MAX_LIFETIME_SECONDS",)}
    )
    # Strict-Transport-Security's max-age; unset: a year in production, none elsewhere
    # (browsers honour it over HTTPS only); 0: never sent (a TLS proxy in front sets it).
    # Also read from RUNNERLY_HSTS_SECONDS, set once for the whole suite.
    hsts_seconds: int | None = dataclasses.field(
        default=None, metadata={"aliases": ("RUNNERLY_HSTS_SECONDS",)}
    )

    @property
    def is_production(self) -> bool:
        return self.env == PRODUCTION

    @property
    def hsts_max_age(self) -> int:
        if self.hsts_seconds is not None:
            return self.hsts_seconds
        return HSTS_PRODUCTION_SECONDS if self.is_production else 0

    @classmethod
    def env_name(cls, field: str) -> str:
        return f"{cls.ENV_PREFIX}{field.upper()}"

    @classmethod
    def load(
        cls,
        ini_path: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Self:
        """Read defaults, then the INI file's section, then the environment, then overrides.

        The INI file is ``ini_path`` or the file named by ``<PREFIX>CONFIG``.  Any setting
        (an alias too) may also come from a file named by ``<VAR>_FILE``: compose mounts
        secrets as files, and a database URL holds a password, so it must be able to come
        from one as well as a key does.
        """
        environ = os.environ if environ is None else environ
        ini_path = ini_path or environ.get(cls.env_name("config"))
        raw: dict[str, str] = {}
        if ini_path:
            raw.update(_read_ini(Path(ini_path), cls.SECTION))
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            name = field.name
            text, source = raw.get(name), f"{name} in [{cls.SECTION}] of {ini_path}"
            for var in (cls.env_name(name), *_aliases(cls, name)):
                found = _from_environ(var, environ)
                if found is not None:
                    text, source = found
                    break
            if name in overrides:
                values[name] = overrides.pop(name)
            elif text is not None:
                values[name] = _convert(source, text, hints[name])
        if overrides:
            raise SettingsError(f"unknown settings: {', '.join(sorted(overrides))}")
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Stop start-up in production when a secret is missing, naming its variable."""
        if self.env not in {"development", "test", PRODUCTION}:
            raise SettingsError(
                f"{self.env_name('env')} must be development, test or production, not {self.env!r}"
            )
        if self.hsts_seconds is not None and self.hsts_seconds < 0:
            raise SettingsError(f"{self.env_name('hsts_seconds')} must not be negative")
        if self.workers < 0 or self.threads < 1:
            raise SettingsError(
                f"{self.env_name('workers')} must not be negative and "
                f"{self.env_name('threads')} must be at least 1"
            )
        if self.token_max_lifetime_seconds < 30:
            raise SettingsError(
                f"{self.env_name('token_max_lifetime_seconds')} must be at least 30 seconds"
            )
        if not self.is_production:
            return
        missing = [
            self.env_name(f.name)
            for f in dataclasses.fields(self)
            if f.metadata.get("secret")
            and (self.SECRETS_USED is None or f.name in self.SECRETS_USED)
            and not getattr(self, f.name)
        ]
        if missing:
            raise SettingsError(
                "missing secret(s) in production: "
                + ", ".join(missing)
                + " (set them in the environment or as <NAME>_FILE pointing to a file)"
            )

    def public_dict(self) -> dict[str, Any]:
        """Settings safe to log: secrets are masked."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = "***" if f.metadata.get("secret") and value else value
        return out


@dataclasses.dataclass
class DatabaseSettings(Settings):
    """A service holding a SQLAlchemy connection pool per process."""

    # Connections a process keeps to PostgreSQL, and how many more at a busy moment
    # (SQLAlchemy's defaults); x workers x containers must fit in max_connections
    # (docs/operations.md, "Capacity"; deploy/tests/test_capacity.py).  The pool is the
    # process's, shared by its threads: it must hold one more than the threads (below).
    db_pool_size: int = 5
    db_max_overflow: int = 10

    def check(self) -> None:
        super().check()
        if self.db_pool_size < 1 or self.db_max_overflow < 0:
            raise SettingsError(
                f"{self.env_name('db_pool_size')} must be at least 1 and "
                f"{self.env_name('db_max_overflow')} not negative"
            )
        # A request may hold two connections at once (Database.session and .reader). With
        # one more connection than threads, some thread can always take its second; with
        # fewer, every thread may hold one and wait for another until the pool times out.
        if self.threads > 1 and self.db_pool_size + self.db_max_overflow < self.threads + 1:
            raise SettingsError(
                f"{self.env_name('db_pool_size')} + {self.env_name('db_max_overflow')} "
                f"({self.db_pool_size + self.db_max_overflow}) must be at least "
                f"{self.env_name('threads')} + 1 ({self.threads + 1}): the threads of a "
                "process share its pool, and a request may hold two connections"
            )


def _aliases(cls: type[Settings], name: str) -> tuple[str, ...]:
    # The run mode is usually set once for the whole suite.
    if name == "env" and cls.ENV_PREFIX != Settings.ENV_PREFIX:
        return (Settings.env_name("env"),)
    field = next(f for f in dataclasses.fields(cls) if f.name == name)
    return tuple(field.metadata.get("aliases", ()))


def alias(default: Any, *names: str) -> Any:
    """A field also read from other variables (after ``<PREFIX><NAME>``), e.g. ``DATABASE_URL``."""
    return dataclasses.field(default=default, metadata={"aliases": names})


def _read_ini(path: Path, section: str) -> dict[str, str]:
    if not path.is_file():
        raise SettingsError(f"configuration file not found: {path}")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return dict(parser[section]) if parser.has_section(section) else {}


def _from_environ(var: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """``(text, source)`` from ``var`` or the file ``<var>_FILE`` names; None when neither
    is set.  An empty ``<var>_FILE`` counts as unset (compose writes empty defaults)."""
    file_var = f"{var}_FILE"
    if environ.get(file_var):
        if environ.get(var):
            raise SettingsError(f"set {var} or {file_var}, not both")
        return _read_secret_file(file_var, environ[file_var]), file_var
    if var in environ:
        return environ[var], var
    return None


def _read_secret_file(var: str, path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(f"{var}: cannot read {path}: {exc.strerror}") from exc


def _convert(var: str, text: str, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if text.strip() == "":
            return None
        hint, origin = args[0], typing.get_origin(args[0])
    if origin in (tuple, list):
        items = [item for item in text.replace(",", " ").split() if item]
        return tuple(items) if origin is tuple else items
    if hint is bool:
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise SettingsError(f"{var} must be a boolean (true/false), not {text!r}")
    if hint in (int, float):
        try:
            return hint(text.strip())
        except ValueError:
            raise SettingsError(f"{var} must be a number, not {text!r}") from None
    return text
