"""The live-stack test harness every package's tests, chaos, the fuzzer, the end-to-end tests
and the benchmarks use: processes started, waited for, killed and restarted
(:mod:`.processes`); one starter per service (:mod:`.services`); the whole stack or a part
of it (:mod:`.stack`); `make run`'s stack (:mod:`.procfile`); PostgreSQL, Redis and nginx
(:mod:`.postgres`, :mod:`.redis`, :mod:`.nginx`); keys and tokens (:mod:`.keys`); "skip on a
laptop, fail in CI" (:mod:`.ci`); and the pytest fixtures over them (:mod:`.plugin`).
"""

from runnerly_common.testing.ci import IN_CI, ServiceUnavailable, skip_or_fail
from runnerly_common.testing.keys import ISSUER, JWKSServer, SigningKey, new_key, sign_token
from runnerly_common.testing.postgres import POSTGRES_URL, temporary_postgres_database
from runnerly_common.testing.processes import (
    BIN,
    CeleryProcess,
    ServiceProcess,
    error_lines,
    free_port,
    kill_group,
    stop_group,
)
from runnerly_common.testing.servers import CookieSettingServer, LiveServer
from runnerly_common.testing.strava import STRAVA_SCOPE, link_strava_athlete

__all__ = [
    "BIN",
    "IN_CI",
    "ISSUER",
    "POSTGRES_URL",
    "STRAVA_SCOPE",
    "CeleryProcess",
    "CookieSettingServer",
    "JWKSServer",
    "LiveServer",
    "ServiceProcess",
    "ServiceUnavailable",
    "SigningKey",
    "error_lines",
    "free_port",
    "kill_group",
    "link_strava_athlete",
    "new_key",
    "sign_token",
    "skip_or_fail",
    "stop_group",
    "temporary_postgres_database",
]
