"""``create_app``: the dataservice as a Flask app."""

from __future__ import annotations

from flask import Flask

import runnerly_common
from dataservice.api import make_blueprint
from dataservice.database import open_database
from dataservice.settings import DataServiceSettings
from dataservice.strava.crypto import TokenCipher
from dataservice.users import passwords
from runnerly_common.db import pool_options
from runnerly_common.settings import SettingsError


def create_app(settings: DataServiceSettings | None = None) -> Flask:
    settings = settings or DataServiceSettings.load()
    try:
        cipher = TokenCipher(settings.strava_token_keys)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    app = runnerly_common.create_app("dataservice", settings)
    app.extensions["dataservice.cipher"] = cipher
    app.extensions[passwords.EXTENSION] = passwords.hasher_for(settings.password_hash)
    pool = pool_options(settings.database_url, settings.db_pool_size, settings.db_max_overflow)
    open_database(settings.database_url, **pool).init_app(app)
    app.register_blueprint(make_blueprint())
    return app
