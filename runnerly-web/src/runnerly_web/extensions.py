"""The app's collaborators, kept on ``app.extensions`` (no module-level state)."""

from __future__ import annotations

from flask import current_app

from runnerly_common.archive_imports import ArchiveImports
from runnerly_common.shared_store import SharedStore
from runnerly_web.account.one_time_tokens import TokenStore
from runnerly_web.account.request_limits import RequestLimit
from runnerly_web.dataservice_client import DataService
from runnerly_web.settings import WebSettings
from runnerly_web.strava.oauth import StravaOAuth
from runnerly_web.strava.sync import SyncQueue
from runnerly_web.task_queue import TaskQueue
from runnerly_web.throttle import LoginThrottle


def settings() -> WebSettings:
    result: WebSettings = current_app.extensions["runnerly.settings"]
    return result


def dataservice() -> DataService:
    result: DataService = current_app.extensions["runnerly_web.dataservice"]
    return result


def throttle() -> LoginThrottle:
    result: LoginThrottle = current_app.extensions["runnerly_web.throttle"]
    return result


def strava_oauth() -> StravaOAuth:
    result: StravaOAuth = current_app.extensions["runnerly_web.strava"]
    return result


def sync_queue() -> SyncQueue:
    result: SyncQueue = current_app.extensions["runnerly_web.sync"]
    return result


def shared_store() -> SharedStore:
    result: SharedStore = current_app.extensions["runnerly_web.shared_store"]
    return result


def archive_imports() -> ArchiveImports:
    return ArchiveImports(shared_store())


def mail_queue() -> TaskQueue:
    """Where account mail is queued for the worker to send."""
    result: TaskQueue = current_app.extensions["runnerly_web.mail"]
    return result


def one_time_tokens() -> TokenStore:
    result: TokenStore = current_app.extensions["runnerly_web.tokens"]
    return result


def reset_limit() -> RequestLimit:
    result: RequestLimit = current_app.extensions["runnerly_web.reset_limit"]
    return result
