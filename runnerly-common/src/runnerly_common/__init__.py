"""Runnerly's shared toolkit: what every service repeats, written once."""

from runnerly_common.app import create_app
from runnerly_common.errors import APIError
from runnerly_common.settings import Settings, SettingsError, secret

__all__ = ["APIError", "Settings", "SettingsError", "create_app", "secret"]
