"""Runnerly's shared toolkit: what every service repeats, written once.

The names below load on first use: a process that needs only the settings (the gateway's
CLI, a Celery worker) does not pay for the app factory's OpenAPI and JSON Schema imports
(about 0.5 s of CPU, seconds on a busy machine, at every start and restart).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runnerly_common.app import create_app
    from runnerly_common.errors import APIError
    from runnerly_common.settings import Settings, SettingsError, secret

_WHERE = {
    "create_app": "runnerly_common.app",
    "APIError": "runnerly_common.errors",
    "Settings": "runnerly_common.settings",
    "SettingsError": "runnerly_common.settings",
    "secret": "runnerly_common.settings",
}

__all__ = ["APIError", "Settings", "SettingsError", "create_app", "secret"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'runnerly_common' has no attribute {name!r}")
