"""``create_app``: the tokendealer as a Flask app."""

from __future__ import annotations

from flask import Flask

import runnerly_common
from runnerly_common.health import add_readiness_check
from tokendealer.api import make_blueprint
from tokendealer.service import TokenDealer
from tokendealer.settings import TokenDealerSettings


def create_app(settings: TokenDealerSettings | None = None, *, setup: bool = True) -> Flask:
    settings = settings or TokenDealerSettings.load()
    app = runnerly_common.create_app("tokendealer", settings)
    td = TokenDealer(settings)
    if setup:
        td.setup()
    app.extensions["tokendealer"] = td
    td.db.init_app(app)
    add_readiness_check(app, "signing_key", lambda: _has_signer(td))
    # Shown, not required: service tokens and the JWKS work without it, and the
    # dataservice starts after the tokendealer (it needs the JWKS); token exchange answers
    # 503 while this is down.
    add_readiness_check(app, "dataservice", td.runners.reachable, cache_seconds=5, required=False)
    app.register_blueprint(make_blueprint())
    return app


def _has_signer(td: TokenDealer) -> bool:
    with td.db.sessionmaker() as session:
        return bool(td.keyring.signer(session).kid)
