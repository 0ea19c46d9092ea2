"""``dataservice serve`` as deployed (gunicorn, production settings, INFO logs) for the
benchmarks that measure it over HTTP: started by the harness's starter, trusting runner
tokens signed with the benchmark's key through a JWKS server in this process."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from runnerly_common.testing import JWKSServer, LiveServer, SigningKey
from runnerly_common.testing.services import Dataservice, start_dataservice


@contextlib.contextmanager
def served_dataservice(
    database_url: str, key: SigningKey, workers: int, threads: int | None = None
) -> Iterator[Dataservice]:
    """The dataservice on ``database_url`` (migrated already), always stopped; RuntimeError
    when it logged an error.  ``threads``: per worker; None, the service's own setting."""
    extra = {} if threads is None else {"threads": str(threads)}
    jwks = JWKSServer([key])
    jwks.live = LiveServer(jwks)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-dataservice-") as tmp:
            service = start_dataservice(
                Path(tmp),
                database_url=database_url,
                jwks_url=jwks.url,
                workers=workers,
                migrate=False,
                env="production",
                log_level="INFO",
                # The benchmarks' tokens are signed once and outlive a run (up to 6 h).
                token_max_lifetime_seconds=str(6 * 3600),
                **extra,
            )
            try:
                yield service
            finally:
                service.process.stop()
            if errors := service.process.errors_in_log():
                raise RuntimeError("the dataservice logged errors:\n" + "\n".join(errors[:20]))
    finally:
        jwks.live.stop()
