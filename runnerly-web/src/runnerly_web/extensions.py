"""The app's collaborators, kept on ``app.extensions`` (no module-level state)."""

from __future__ import annotations

from flask import current_app

from runnerly_web.dataservice_client import DataService
from runnerly_web.settings import WebSettings
from runnerly_web.strava.oauth import StravaOAuth
from runnerly_web.strava.sync import SyncQueue
from runnerly_web.throttle import LoginThrottle


def settings() -> WebSettings:
    return current_app.extensions["runnerly.settings"]


def dataservice() -> DataService:
    return current_app.extensions["runnerly_web.dataservice"]


def throttle() -> LoginThrottle:
    return current_app.extensions["runnerly_web.throttle"]


def strava_oauth() -> StravaOAuth:
    return current_app.extensions["runnerly_web.strava"]


def sync_queue() -> SyncQueue:
    return current_app.extensions["runnerly_web.sync"]
