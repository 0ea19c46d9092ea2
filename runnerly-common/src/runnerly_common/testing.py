"""Helpers for every service's tests: real servers on loopback, signing keys and a JWKS
server, tokens, throw-away PostgreSQL databases, and service processes."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(what: str) -> NoReturn:
    """A service or program the tests need is missing: a skip on a laptop, a failure in CI."""
    import pytest  # only tests call this; benchmarks import this module without pytest

    if IN_CI:
        pytest.fail(f"{what}: required in CI", pytrace=False)
    pytest.skip(what)


POSTGRES_URL = os.environ.get(
    "RUNNERLY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ISSUER = "runnerly-tokendealer"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServiceProcess:
    """Run a command (a server) until the ``with`` block ends; its output goes to a log file.

    ``ready_url`` is polled until it answers 200 or ``timeout`` passes; if the process dies
    first, its log is part of the error so the failing test shows why.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        ready_url: str,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 30,
    ) -> None:
        self.command = list(command)
        self.ready_url = ready_url
        self.log_path = log_path
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServiceProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        log.close()
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.command[0]} exited with {self.process.returncode}:\n" + self.log()
                )
            try:
                if requests.get(self.ready_url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.ready_url} not ready after {self.timeout}s:\n" + self.log())

    def stop(self, timeout: float = 10) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def errors_in_log(self) -> list[str]:
        """Lines logged at ERROR or above, and tracebacks: a clean run has none."""
        return [
            line
            for line in self.log().splitlines()
            if '"level": "ERROR"' in line
            or '"level": "CRITICAL"' in line
            or line.startswith("Traceback")
        ]


# --- servers, keys and the JWKS ------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log(self, *args: Any) -> None:  # keep the test output for the test's own logs
        pass


class LiveServer:
    """A WSGI app served on 127.0.0.1:<free port> until ``stop()``."""

    def __init__(self, wsgi_app: Callable[..., Any]) -> None:
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, wsgi_app, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)


@dataclasses.dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private: Any

    @property
    def jwk(self) -> dict[str, Any]:
        algorithm = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
        jwk = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.alg}

    @property
    def public_pem(self) -> bytes:
        pem: bytes = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem


def new_key(alg: str, kid: str | None = None) -> SigningKey:
    if alg == "ES256":
        private: Any = ec.generate_private_key(ec.SECP256R1())
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return SigningKey(kid or f"{alg.lower()}-{uuid.uuid4().hex[:8]}", alg, private)


class JWKSServer:
    """The tokendealer's ``/.well-known/jwks.json``; counts how often it is fetched."""

    def __init__(self, keys: list[SigningKey]) -> None:
        self.keys = list(keys)
        self.extra_entries: list[dict[str, Any]] = []  # raw JWKS entries, e.g. broken ones
        self.status = 200  # set to 503 to play a tokendealer in trouble
        self.fetches = 0  # every request, answered or not
        self._lock = threading.Lock()
        self.live: LiveServer | None = None

    @property
    def url(self) -> str:
        assert self.live is not None
        return f"{self.live.url}/.well-known/jwks.json"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._lock:
            self.fetches += 1
            document = {"keys": [key.jwk for key in self.keys] + self.extra_entries}
        response = Response(
            response=json.dumps(document), status=self.status, mimetype="application/json"
        )
        return response(environ, start_response)


def sign_token(
    key: SigningKey,
    *,
    audience: str,
    subject: str,
    scope: str,
    ttl: int = 300,
    issuer: str = ISSUER,
    **extra: Any,
) -> str:
    """A token as the tokendealer would issue it (``act={"sub": ...}`` makes it a runner's)."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        **extra,
    }
    return jwt.encode(claims, key.private, algorithm=key.alg, headers={"kid": key.kid})


# --- PostgreSQL ------------------------------------------------------------------------------


class ServiceUnavailable(RuntimeError):
    """A service the test needs is not running (a skip on a laptop, a failure in CI)."""


@contextmanager
def temporary_postgres_database(prefix: str, base_url: str = POSTGRES_URL) -> Iterator[str]:
    """Create a database named ``<prefix>_<random>``, yield its URL, drop it afterwards."""
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        raise ServiceUnavailable(f"PostgreSQL not reachable at {base_url}: {exc}") from exc
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- Strava links ----------------------------------------------------------------------------

STRAVA_SCOPE = "read,activity:read_all"  # what the web app asks Strava for


def link_strava_athlete(
    sim: requests.Session,
    sim_url: str,
    dataservice: requests.Session,
    dataservice_api: str,
    user_id: int,
    athlete: int,
    scope: str = STRAVA_SCOPE,
    *,
    timeout: float | tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Link dataservice runner ``user_id`` to strava-sim athlete ``athlete``, as the web
    app's Strava connect leaves it; strava-sim's grant (its token pair) is returned.

    Benchmarks and tests have no browser to click through Strava's consent, so strava-sim's
    admin grant stands in for it; what the dataservice is then given is what runnerly-web
    stores after a real consent (``PUT /users/{id}/strava``, ``expires_at`` as ISO time
    where Strava answers epoch seconds), so the worker syncs such a runner as it would a
    real one. The sessions carry the callers' auth: ``sim`` any admin header strava-sim
    wants, ``dataservice`` a token with the worker's scopes. ``dataservice_api`` is the
    dataservice's base URL with its ``/api/v1``. ``timeout`` None leaves each session's
    own (a ``ServiceSession``'s default). A refused grant raises ``requests.HTTPError``; a
    refused link raises ``RuntimeError`` naming the runner and the dataservice's answer.
    """
    limit: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    grant = sim.post(f"{sim_url}/admin/athletes/{athlete}/grant", json={"scope": scope}, **limit)
    grant.raise_for_status()
    pair: dict[str, Any] = grant.json()
    expires_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(pair["expires_at"]))
    answer = dataservice.put(
        f"{dataservice_api}/users/{user_id}/strava",
        json={
            "athlete_id": athlete,
            "access_token": pair["access_token"],
            "refresh_token": pair["refresh_token"],
            "expires_at": expires_at,
            "scopes": scope,
        },
        **limit,
    )
    if answer.status_code not in (200, 201):
        raise RuntimeError(
            f"linking runner {user_id} to athlete {athlete}: "
            f"{answer.status_code} {answer.text[:300]}"
        )
    return pair
