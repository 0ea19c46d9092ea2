"""The current request's database session and settings, for views."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from dataservice.settings import DataServiceSettings
from dataservice.strava.crypto import TokenCipher


def session() -> Session:
    db_session: Session = current_app.extensions["runnerly.db"].session
    return db_session


def settings() -> DataServiceSettings:
    service_settings: DataServiceSettings = current_app.extensions["runnerly.settings"]
    return service_settings


def cipher() -> TokenCipher:
    token_cipher: TokenCipher = current_app.extensions["dataservice.cipher"]
    return token_cipher
