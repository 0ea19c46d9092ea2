"""The entry module: ``celery -A strava_worker.celery_app worker`` (and ``beat``)."""

from strava_worker.factory import make_celery
from strava_worker.settings import WorkerSettings

app = make_celery(WorkerSettings.load())
