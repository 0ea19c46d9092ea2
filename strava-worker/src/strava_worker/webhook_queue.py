"""The webhook intake's way onto the broker: fast, or a clear "not now".

Strava waits 2 s for the answer to an event.  The worker's Celery app waits out a broker
restart (publish retries for about 20 s, kombu's default connect timeout of 4 s): right for
a task, wrong for a request Strava gives up on, which then became a 500.  So the intake
publishes through an app of its own: the worker's configuration (the same broker, queues
and routes), with socket timeouts of :data:`INTAKE_TIMEOUT` and no retries.  A broker that
does not answer is :class:`BrokerUnavailable`; the intake answers it 503, and Strava sends
the event again later.
"""

from __future__ import annotations

from typing import Any

from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from runnerly_common.tasks import HANDLE_EVENT
from strava_worker.settings import WorkerSettings

# Seconds for each connect and each socket operation: the broker is on the local network,
# and the store's lookup must fit in Strava's 2 s as well.
INTAKE_TIMEOUT = 0.5


class BrokerUnavailable(Exception):
    """The event could not be queued now; the message says why (never a secret)."""


class BrokerQueue:
    """Queue ``handle_event`` messages, failing within about a second when the broker is
    down or hangs."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self._app: Any = None

    def app(self) -> Any:
        """Made on first use: the intake's process may serve handshakes without a broker."""
        if self._app is None:
            from strava_worker.factory import make_celery

            app = make_celery(self.settings)
            app.conf.update(
                broker_connection_timeout=INTAKE_TIMEOUT,
                broker_connection_retry=False,
                broker_connection_max_retries=0,
                task_publish_retry=False,
            )
            # kombu reconnects before a publish as the transport options say (by default
            # a few times over 2 s): once here.
            options = {**(app.conf.broker_transport_options or {}), "max_retries": 0}
            if self.settings.broker_url.startswith(("redis://", "rediss://")):
                options["socket_timeout"] = INTAKE_TIMEOUT
                options["socket_connect_timeout"] = INTAKE_TIMEOUT
            app.conf.broker_transport_options = options
            self._app = app
        return self._app

    def __call__(self, event: dict[str, Any]) -> None:
        app = self.app()
        try:
            with app.connection_for_write() as connection:
                HANDLE_EVENT.send(app, {"event": event}, connection=connection, retry=False)
        except (OperationalError, RedisError, OSError) as exc:
            raise BrokerUnavailable(f"the broker did not take the event: {exc}") from None
