"""The current request's database session and settings, for views."""

from __future__ import annotations

from contextlib import AbstractContextManager

from flask import current_app
from sqlalchemy.orm import Session

from dataservice.settings import DataServiceSettings
from dataservice.strava.crypto import TokenCipher


def session() -> Session:
    db_session: Session = current_app.extensions["runnerly.db"].session
    return db_session


def write_transaction() -> AbstractContextManager[Session]:
    """A transaction of its own that will write, for a request that mostly reads (a GET
    that creates a missing row): on SQLite it takes the write lock before it reads, where
    the request's read session, once it had read, would fail at once on a busy database."""
    transaction: AbstractContextManager[Session] = current_app.extensions[
        "runnerly.db"
    ].transaction()
    return transaction


def settings() -> DataServiceSettings:
    service_settings: DataServiceSettings = current_app.extensions["runnerly.settings"]
    return service_settings


def cipher() -> TokenCipher:
    token_cipher: TokenCipher = current_app.extensions["dataservice.cipher"]
    return token_cipher
