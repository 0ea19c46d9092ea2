"""Token benchmarks: tokens issued per second; verifying one with cached JWKS vs /verify_token.

Starts a real tokendealer, measures issuance over HTTP and in-process, and TokenVerifier over a
warm JWKSCache against a bare ``jwt.decode`` with the key in hand; exits 1 when that cost ratio
is above --max-ratio (1.5).  Beside local verification it measures the book's design, a
``POST /verify_token`` to the tokendealer per verification and per protected Flask request.
Run: .venv/bin/python -m benchmarks.tokens [--json] [--help]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
import timeit
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

import jwt
import requests
from flask import Flask, g, request

from benchmarks.common.machine import busy_cpus, cpu_model
from benchmarks.common.repo import invocation
from runnerly_common import create_app as create_service_app
from runnerly_common.auth import JWKSCache, TokenVerifier, requires_scope
from runnerly_common.auth.verify import scopes_of
from runnerly_common.errors import APIError
from runnerly_common.settings import Settings
from runnerly_common.testing.services import start_tokendealer
from tokendealer.app import create_app as create_tokendealer_app
from tokendealer.service import TokenDealer
from tokendealer.settings import TokenDealerSettings

ISSUER, AUDIENCE, SCOPES = "runnerly-tokendealer", "dataservice", "runs:read runs:write"
GRANT = {"grant_type": "client_credentials"}
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Dealer:
    url: str
    env: dict[str, str]
    auth: tuple[str, str]  # the benchmark client's id and secret
    # The resource server's: /verify_token needs client authentication and answers only a
    # token's own client or the resource server it is for (a client named after its aud).
    verifier_auth: tuple[str, str]


def machine() -> dict[str, Any]:
    versions = {name: version(name) for name in ("PyJWT", "cryptography", "gunicorn")}
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        **versions,
        "busy_cpus_before": busy_cpus(),
    }


# The benchmark's client, and the resource server's: /verify_token needs client authentication
# and answers only a token's own client or the resource server it is for (a client named
# after its aud).
CLIENTS = f"""[clients.bench]
env_prefix = "BENCH_CLIENT"
audiences = ["{AUDIENCE}"]
scope = "{SCOPES}"

[clients.{AUDIENCE}]
env_prefix = "BENCH_VERIFIER"
audiences = ["{AUDIENCE}"]
"""


@contextlib.contextmanager
def running_tokendealer(workers: int) -> Iterator[Dealer]:
    """A tokendealer (the harness's starter, at its INFO log level) with a fresh SQLite DB
    and passphrase, always stopped."""
    with tempfile.TemporaryDirectory(prefix="bench-tokens-") as tmp:
        dealer = start_tokendealer(
            Path(tmp),
            clients=CLIENTS,
            workers=workers,
            keys_passphrase=secrets.token_urlsafe(32),
            log_level="INFO",
        )
        try:
            yield Dealer(
                dealer.url,
                dealer.env,
                dealer.client("BENCH_CLIENT"),
                dealer.client("BENCH_VERIFIER"),
            )
        finally:
            dealer.process.stop(25)


Send = Callable[[requests.Session], requests.Response]


def measure_http_issuance(dealer: Dealer, threads: int, seconds: float, warmup: float) -> dict:
    """Tokens/s and latency of POST /oauth/token; responses after the warm-up count."""

    def send(session: requests.Session) -> requests.Response:
        return session.post(f"{dealer.url}/oauth/token", data=GRANT, auth=dealer.auth, timeout=10)

    return drive_http(send, threads, seconds, warmup, rate="tokens_per_s")


def measure_http_verification(
    dealer: Dealer, token: str, threads: int, seconds: float, warmup: float
) -> dict:
    """The book's design: verifications/s and latency of POST /verify_token."""
    body = {"access_token": token, "audience": AUDIENCE}

    def send(session: requests.Session) -> requests.Response:
        return session.post(
            f"{dealer.url}/verify_token", json=body, auth=dealer.verifier_auth, timeout=10
        )

    return drive_http(send, threads, seconds, warmup, rate="verifications_per_s")


def drive_http(send: Send, threads: int, seconds: float, warmup: float, rate: str) -> dict:
    """``rate`` (responses/s) and latency of ``send`` from ``threads`` sessions at once;
    responses after the warm-up count, and any but a 200 is an error."""
    start, interrupted = time.perf_counter() + warmup, threading.Event()
    stop = start + seconds

    def drive() -> tuple[list[float], int]:
        latencies, errors = [], 0
        with requests.Session() as session:
            while (sent := time.perf_counter()) < stop and not interrupted.is_set():
                response = send(session)
                done = time.perf_counter()
                if start <= done < stop:
                    latencies.append(done - sent)
                    errors += response.status_code != 200
        return latencies, errors

    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(drive) for _ in range(threads)]
        try:
            results = [f.result() for f in futures]
        finally:  # on SIGTERM or Ctrl-C the clients stop now, not at the end of the window
            interrupted.set()
    latencies = [t for lat, _ in results for t in lat]
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "client_threads": threads,
        "requests": len(latencies),
        "errors": sum(e for _, e in results),
        rate: len(latencies) / seconds,
        "p50_ms": cuts[49] * 1e3,
        "p99_ms": cuts[98] * 1e3,
    }


def interleaved(fns: dict[str, Callable[[], object]], number: int, repeats: int) -> dict:
    """Per-call times of each function; repeats alternate the order so drift hits all."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for i in range(repeats):
        for name, fn in list(fns.items())[:: 1 if i % 2 == 0 else -1]:
            times[name].append(timeit.timeit(fn, number=number) / number)
    return times


def best_us(times: dict[str, list[float]]) -> dict[str, float]:
    """The best repeat of each, in microseconds per call (timeit's advice: the rest is noise)."""
    return {f"{name}_us": min(values) * 1e6 for name, values in times.items()}


def quietly(factory: Callable[[], Flask]) -> Flask:
    """Build an app whose JSON logs are still formatted, as in a server, but go nowhere."""
    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the app's log handler
    with contextlib.redirect_stdout(sink):
        return factory()


def measure_inprocess_issuance(dealer: Dealer, token: str, number: int, repeats: int) -> dict:
    """Per-token cost without HTTP: the whole Flask view, the service layer, the signature."""
    settings = TokenDealerSettings.load(environ=dealer.env)
    app = quietly(lambda: create_tokendealer_app(settings, setup=False))
    post = partial(app.test_client().post, "/oauth/token", data=GRANT, auth=dealer.auth)
    if post().status_code != 200:
        raise RuntimeError("in-process POST /oauth/token failed")
    td = TokenDealer(settings)
    with td.db.sessionmaker() as session:
        signer = td.keyring.signer(session)
    claims = jwt.decode(token, options={"verify_signature": False})  # what the server signs
    sign = partial(jwt.encode, claims, signer.key, signer.alg, headers={"kid": signer.kid})
    ids = {"client_id": dealer.auth[0], "subject": dealer.auth[0]}
    issue = partial(td.issue_token, **ids, audiences=[AUDIENCE], scopes=SCOPES.split(), ttl=900)
    fns = {"flask_test_client": post, "service_layer": issue, "bare_jwt_encode": sign}
    return best_us(interleaved(fns, number, repeats))


def measure_verification(dealer: Dealer, token: str, number: int, repeats: int) -> dict:
    """TokenVerifier + warm JWKSCache vs bare jwt.decode with the public key in hand."""
    jwks_url = f"{dealer.url}/.well-known/jwks.json"
    kid = jwt.get_unverified_header(token)["kid"]
    public_key = jwt.PyJWKSet.from_dict(requests.get(jwks_url, timeout=5).json())[kid].key
    cache = JWKSCache(jwks_url)
    verifier = TokenVerifier(cache, issuer=ISSUER, audience=AUDIENCE)
    options = {"algorithms": ["ES256"], "audience": AUDIENCE, "issuer": ISSUER}
    bare = partial(jwt.decode, token, public_key, **options)
    if verifier.verify(token) != bare():  # also warms the cache: its one fetch
        raise RuntimeError("the toolkit and a bare decode disagree on the claims")
    times = interleaved({"toolkit": lambda: verifier.verify(token), "bare": bare}, number, repeats)
    if cache.fetch_count != 1:
        raise RuntimeError(f"JWKS fetched {cache.fetch_count} times: the cache was not warm")
    best = best_us(times)
    return {**best, "ratio": best["toolkit_us"] / best["bare_us"]}


def requires_scope_via_dealer(
    dealer_url: str, session: requests.Session, *scopes: str
) -> Callable[[F], F]:
    """The book's design as a client would write it: requires_scope's checks, but the token is
    verified by a POST /verify_token to the tokendealer on every request."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise APIError(401, "missing_token", "a bearer token is required")
            body = {"access_token": token.strip(), "audience": AUDIENCE}
            answer = session.post(f"{dealer_url}/verify_token", json=body, timeout=5)
            if answer.status_code != 200:
                raise APIError(401, "invalid_token", "the tokendealer refused the token")
            g.token_claims = answer.json()
            if not set(scopes) <= scopes_of(g.token_claims):
                raise APIError(403, "insufficient_scope", f"needs the scope(s): {' '.join(scopes)}")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def measure_flask_request_path(dealer: Dealer, token: str, number: int, repeats: int) -> dict:
    """A toolkit app's GET behind requires_scope, the same view without it, and behind the
    book's per-request POST /verify_token (test client; the dealer's CPU time is not counted)."""
    settings = Settings(jwks_url=f"{dealer.url}/.well-known/jwks.json", token_audience=AUDIENCE)
    app = quietly(lambda: create_service_app("bench", settings))
    app.add_url_rule("/runs", "scoped", requires_scope("runs:read")(lambda: {"runs": []}))
    app.add_url_rule("/open", "open", lambda: {"runs": []})
    with requests.Session() as session:
        session.auth = dealer.verifier_auth
        via_dealer = requires_scope_via_dealer(dealer.url, session, "runs:read")
        app.add_url_rule("/book", "book", via_dealer(lambda: {"runs": []}))
        bearer = {"Authorization": f"Bearer {token}"}
        scoped = partial(app.test_client().get, "/runs", headers=bearer)
        unscoped = partial(app.test_client().get, "/open")
        book = partial(app.test_client().get, "/book", headers=bearer)
        if {scoped().status_code, unscoped().status_code, book().status_code} != {200}:
            raise RuntimeError("the requires_scope test app did not answer 200")
        fns = {"requires_scope": scoped, "no_auth": unscoped, "verify_token_call": book}
        return best_us(interleaved(fns, number, repeats))


def check_verify_token(dealer: Dealer, token: str, claims: dict[str, Any]) -> bool:
    """Whether the server closes the connection after each answer (a new TCP connection per
    verification then, whatever the client does); fails unless /verify_token agrees on claims."""
    body = {"access_token": token, "audience": AUDIENCE}
    answer = requests.post(
        f"{dealer.url}/verify_token", json=body, auth=dealer.verifier_auth, timeout=9
    )
    if answer.status_code != 200 or answer.json() != claims:
        raise RuntimeError(f"POST /verify_token answered {answer.status_code}, not the claims")
    return answer.headers.get("Connection", "").lower() == "close"


def book_design(results: dict[str, Any], closes: bool) -> dict[str, Any]:
    """Per-request cost of a /verify_token call against local verification, both per bare
    verification (HTTP p50 from the fewest client threads) and per protected Flask request."""
    http = min(results["http_verification"], key=lambda h: h["client_threads"])
    local_us, remote_us = results["verification"]["toolkit_us"], http["p50_ms"] * 1e3
    flask = results["flask"]
    view_us, view_remote_us = flask["requires_scope_us"], flask["verify_token_call_us"]
    return {
        "server_closes_connections": closes,
        "http_client_threads": http["client_threads"],
        "verify_local_us": local_us,
        "verify_http_p50_us": remote_us,
        "verify_ratio": remote_us / local_us,
        "view_local_us": view_us,
        "view_verify_token_us": view_remote_us,
        "view_ratio": view_remote_us / view_us,
    }


def report(results: dict[str, Any]) -> None:
    m, names = results["machine"], ("python", "PyJWT", "cryptography", "gunicorn")
    print(f"machine: nproc {m['nproc']}, {m['cpu']}, {m['os']}")
    print("         " + ", ".join(f"{name} {m[name]}" for name in names))
    print(f"         CPUs busy with other work before the run: {m['busy_cpus_before']:.2f}")
    print(f"command: {results['command']}")
    print(f"issuance over HTTP, {results['workers']} gunicorn workers:")
    for h in results["http"]:
        print(
            f"  {h['client_threads']:2} client threads {h['tokens_per_s']:6.0f} tokens/s, "
            f"p50 {h['p50_ms']:.2f} ms, p99 {h['p99_ms']:.2f} ms ({h['errors']} errors)"
        )
    for section in ("issuance", "verification", "flask"):
        print(f"{section} (best of interleaved repeats, one thread):")
        for name, value in results[section].items():
            per_s = f"{1e6 / value:9.0f} /s" if name.endswith("_us") else ""
            print(f"  {name:28} {value:9.2f} {per_s}")
    b = results["book_design"]
    fresh = ", a new connection each" if b["server_closes_connections"] else ""
    print(f"the book's design, a POST /verify_token per verification (HTTP{fresh}):")
    for h in results["http_verification"]:
        print(
            f"  {h['client_threads']:2} client threads {h['verifications_per_s']:6.0f} "
            f"verifications/s, p50 {h['p50_ms']:.2f} ms, p99 {h['p99_ms']:.2f} ms "
            f"({h['errors']} errors)"
        )
    print(
        f"  per verification: local {b['verify_local_us']:.1f} µs, /verify_token p50 "
        f"{b['verify_http_p50_us']:.0f} µs ({b['http_client_threads']} thread): "
        f"{b['verify_ratio']:.1f}x the cost"
    )
    print(
        f"  per protected Flask request: requires_scope {b['view_local_us']:.0f} µs, "
        f"/verify_token call {b['view_verify_token_us']:.0f} µs: {b['view_ratio']:.1f}x the cost"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.tokens", description=__doc__.split("\n\n")[0]
    )
    add = parser.add_argument
    add("--duration", type=float, default=10, help="issuance seconds per thread count (10)")
    add("--verify-duration", type=float, default=5, help="/verify_token s per thread count (5)")
    add("--warmup", type=float, default=2, help="HTTP seconds not counted, per thread count (2)")
    add("--threads", type=int, nargs="+", default=[1, 4], help="HTTP client threads (1 4)")
    add("--workers", type=int, default=2, help="gunicorn workers (2)")
    add("--number", type=int, default=2000, help="verifications per timing repeat (2000)")
    add("--iterations", type=int, default=300, help="other calls per timing repeat (300)")
    add("--repeats", type=int, default=7, help="timing repeats (7)")
    add("--max-ratio", type=float, default=1.5, help="fail above this cost ratio (1.5)")
    add("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the server is stopped too
    command = invocation()
    results: dict[str, Any] = {"machine": machine(), "command": command, "workers": args.workers}
    with running_tokendealer(args.workers) as dealer:
        results["http"] = [
            measure_http_issuance(dealer, n, args.duration, args.warmup) for n in args.threads
        ]
        response = requests.post(f"{dealer.url}/oauth/token", GRANT, auth=dealer.auth, timeout=9)
        token, n, repeats = response.json()["access_token"], args.iterations, args.repeats
        results["issuance"] = measure_inprocess_issuance(dealer, token, n, repeats)
        results["verification"] = measure_verification(dealer, token, args.number, repeats)
        results["flask"] = measure_flask_request_path(dealer, token, n, repeats)
        claims = jwt.decode(token, options={"verify_signature": False})
        closes = check_verify_token(dealer, token, claims)
        results["http_verification"] = [
            measure_http_verification(dealer, token, t, args.verify_duration, args.warmup)
            for t in args.threads
        ]
    results["book_design"] = book_design(results, closes)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results)
    return check(results, args.max_ratio)


def check(results: dict[str, Any], max_ratio: float) -> int:
    """Exit status: 1 when the ratio misses the target or the token endpoint failed."""
    if (busy := results["machine"]["busy_cpus_before"]) > 0.25:
        note = f"other work kept {busy:.2f} CPUs busy: the figures are low and noisy"
        print(f"WARNING: {note}", file=sys.stderr)
    errors, ratio = sum(h["errors"] for h in results["http"]), results["verification"]["ratio"]
    if book_errors := sum(h["errors"] for h in results["http_verification"]):
        # The book's design is measured for comparison only: no failure of ours.
        print(f"WARNING: {book_errors} POST /verify_token did not answer 200", file=sys.stderr)
    if errors:
        print(f"FAIL: {errors} token requests did not answer 200", file=sys.stderr)
    if ratio > max_ratio:
        why = f"costs {ratio:.2f}x a bare PyJWT decode, above the {max_ratio:g}x target"
        print(f"FAIL: verification with cached JWKS {why}", file=sys.stderr)
    return 1 if errors or ratio > max_ratio else 0


if __name__ == "__main__":
    sys.exit(main())
