"""The current request's database session and settings, for views."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from dataservice.settings import DataServiceSettings
from dataservice.strava.crypto import TokenCipher


def session() -> Session:
    return current_app.extensions["runnerly.db"].session


def settings() -> DataServiceSettings:
    return current_app.extensions["runnerly.settings"]


def cipher() -> TokenCipher:
    return current_app.extensions["dataservice.cipher"]
