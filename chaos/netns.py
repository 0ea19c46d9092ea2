"""Runnerly as several nodes on this machine: each node a Linux network namespace with an
address of its own on a private bridge, reachable from this machine only (nothing listens
on its real interfaces).

::

    hub (this process, the clients: 10.x.y.1, 10.x.y.200+ on the bridge)
      |-- balancer   plain nginx from deploy/balancer/nginx.conf.j2: the gateway nodes for
      |              clients, and the dataservice nodes for the other services
      |-- gw1, gw2 (gw3)   the gateway (nginx + our Lua), web and dataservice nodes as lists
      |-- web1, web2       runnerly-web, one secret key and shared store
      |-- ds1, ds2         the dataservice, one database and Strava token key
      |-- wk1, wk2         Celery sync workers (beat on wk1)
      |-- tokendealer, strava-sim, postgres (a cluster of its own), redis

A node is killed as a machine is lost: every process in it ``kill -9``'d, then its link
taken down, so that nothing answers at its address until it is brought back (link up, its
processes started again on the same address and ports).

Needs root (``ip netns``, veth, a bridge), nginx with the Lua module, redis-server and
PostgreSQL's server binaries; :func:`require_netns` says what is missing.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
import psycopg
from options import WORKER_TIMINGS

from runnerly_common.testing.ci import ServiceUnavailable
from runnerly_common.testing.nginx import require_nginx
from runnerly_common.testing.processes import BIN, ServiceProcess, _Process, stop_group
from runnerly_common.testing.redis import RedisServer
from runnerly_common.testing.services import (
    UNLIMITED,
    Dataservice,
    Service,
    StravaSim,
    Tokendealer,
    repo_root,
    start_celery_beat,
    start_celery_worker,
    start_dataservice,
    start_gateway,
    start_strava_sim,
    start_tokendealer,
    start_web,
    worker_environ,
)
from runnerly_common.testing.stack import StackClients

BALANCER_PORT = 8080
INTERNAL_DATASERVICE_PORT = 5002
FAIL_TIMEOUT = 5  # seconds a failed node is left alone by the balancer
IP = shutil.which("ip") or "/usr/sbin/ip"
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"


def _ip(*args: str) -> str:
    done = subprocess.run([IP, *args], check=True, capture_output=True, text=True)
    return done.stdout


def require_netns() -> None:
    """ServiceUnavailable unless this process may make namespaces, links and a bridge."""
    if os.geteuid() != 0:
        raise ServiceUnavailable("network namespaces need root")
    if not Path(IP).exists():
        raise ServiceUnavailable("ip (iproute2) is not installed")
    probe = f"rnprobe{os.getpid()}"
    try:
        _ip("netns", "add", probe)
        _ip("netns", "del", probe)
    except subprocess.CalledProcessError as exc:
        raise ServiceUnavailable(f"ip netns does not work here: {exc.stderr}") from exc
    postgres_bin()
    require_nginx()


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server binaries (initdb, postgres), the newest."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if not found:
        raise ServiceUnavailable("PostgreSQL's server binaries are not installed (initdb)")
    return Path(found[-1]).parent


def _version(path: str) -> int:
    part = path.split("/")[4]
    return int(part) if part.isdigit() else 0


@dataclass
class Node:
    """A namespace on the bridge: its address, the processes started in it, its link."""

    name: str
    netns: str
    address: str
    veth: str  # the bridge's end of the node's link
    processes: list[Any] = field(default_factory=list)

    @property
    def wrap(self) -> tuple[str, ...]:
        return (IP, "netns", "exec", self.netns)

    def command(self, *args: str | Path) -> list[str]:
        return [*self.wrap, *map(str, args)]

    def kill(self) -> None:
        """Every process of the node at once (``kill -9`` of each group, then anything
        else left in the namespace). The link is left up: the node's kernel closes the
        dead processes' connections, as a crash does, until :meth:`link` takes it down."""
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                if process.process is not None and process.process.poll() is None:
                    os.killpg(process.process.pid, signal.SIGKILL)
        for pid in _ip("netns", "pids", self.netns).split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        for process in self.processes:
            process.kill()  # reaps it

    def link(self, up: bool) -> None:
        _ip("link", "set", "dev", self.veth, "up" if up else "down")

    def start(self) -> None:
        for process in self.processes:
            process.start()


class Network:
    """A bridge on this machine with the hub's addresses, and a namespace per node."""

    def __init__(self) -> None:
        tag = f"rn{os.getpid() % 100000}"
        self.tag = tag
        self.bridge = f"{tag}br"
        self.prefix = _free_subnet()
        self.hub = f"{self.prefix}.1"
        self.nodes: dict[str, Node] = {}
        self._clients = 0
        _ip("link", "add", self.bridge, "type", "bridge")
        try:
            _ip("addr", "add", f"{self.hub}/24", "dev", self.bridge)
            _ip("link", "set", self.bridge, "up")
        except BaseException:
            self.close()
            raise

    def node(self, name: str) -> Node:
        number = len(self.nodes) + 10
        node = Node(name, f"{self.tag}-{name}", f"{self.prefix}.{number}", f"{self.tag}v{number}")
        inside = f"{self.tag}n{number}"
        _ip("netns", "add", node.netns)
        self.nodes[name] = node
        _ip("link", "add", node.veth, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", node.netns)
        _ip("link", "set", node.veth, "master", self.bridge, "up")
        _ip("-n", node.netns, "addr", "add", f"{node.address}/24", "dev", inside)
        _ip("-n", node.netns, "link", "set", inside, "up")
        _ip("-n", node.netns, "link", "set", "lo", "up")
        return node

    def client_address(self) -> str:
        """A new address of the hub's: a client of its own, to the balancer."""
        self._clients += 1
        address = f"{self.prefix}.{199 + self._clients}"
        _ip("addr", "add", f"{address}/24", "dev", self.bridge)
        return address

    def close(self) -> None:
        # Thrown away: killed, not stopped (a clean stop waits for Celery's warm shutdown
        # and gunicorn's graceful one, half a minute here for nothing).
        for node in reversed(list(self.nodes.values())):
            with contextlib.suppress(subprocess.CalledProcessError):
                node.kill()
            for process in node.processes:
                if isinstance(process, PostgresServer):
                    process.remove()
            with contextlib.suppress(subprocess.CalledProcessError):
                _ip("netns", "del", node.netns)
            # A namespace lives on while a socket of it lingers (TIME_WAIT), its link too:
            # deleting our end deletes both.
            with contextlib.suppress(subprocess.CalledProcessError):
                _ip("link", "del", node.veth)
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", self.bridge)


def _free_subnet() -> str:
    """A 10.x.y.0/24 no interface of this machine uses."""
    used = _ip("-4", "-o", "addr", "show") + _ip("-4", "route", "show")
    start = os.getpid() % 200
    for n in range(200):
        prefix = f"10.{200 + (start + n) % 50}.{(start + n) % 250}"
        if f"{prefix}." not in used:
            return prefix
    raise ServiceUnavailable("no free 10.x.y.0/24 subnet for the test network")


class PostgresServer(_Process):
    """A PostgreSQL cluster of its own in ``node``, as the ``postgres`` user (the server
    refuses root), in a temporary folder that user owns."""

    name = "postgres"

    def __init__(self, node: Node, log_dir: Path) -> None:
        self.node = node
        self.bin = postgres_bin()
        self.data = Path(tempfile.mkdtemp(prefix="runnerly-nodes-pg-"))
        self.log_path = log_dir / "postgres.log"
        self.process: subprocess.Popen[bytes] | None = None
        log_dir.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.data, "postgres", "postgres")
        initdb = [RUNUSER, "-u", "postgres", "--", str(self.bin / "initdb"), "-D", str(self.data)]
        subprocess.run(
            [*initdb, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
        )
        # The nodes of the bridge's subnet (the dataservice's, the hub's for migrations).
        subnet = node.address.rsplit(".", 1)[0] + ".0/24"
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {subnet} trust\n")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@{self.node.address}:5432/{database}"

    def start(self) -> None:
        # fsync off: the server is never killed here, and this machine never crashes mid-test.
        command = self.node.command(
            RUNUSER, "-u", "postgres", "--", self.bin / "postgres", "-D", self.data
        )
        command += ["-c", f"listen_addresses={self.node.address}", "-c", "port=5432"]
        command += ["-c", f"unix_socket_directories={self.data}", "-c", "fsync=off"]
        command += ["-c", "max_connections=200"]
        self.process = self._spawn(command, os.environ, None)
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(
                    f"host={self.node.address} user=postgres dbname=postgres", connect_timeout=1
                ):
                    return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    stop_group(self.process)
                    raise RuntimeError("postgres did not start:\n" + self.log()) from None
                time.sleep(0.2)

    def create_database(self, name: str) -> str:
        with psycopg.connect(
            f"host={self.node.address} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self, timeout: float = 15) -> None:
        super().stop(timeout)
        self.remove()

    def remove(self) -> None:
        """The cluster's files (once it is stopped or killed)."""
        shutil.rmtree(self.data, ignore_errors=True)


def render_balancer(**context: Any) -> str:
    """deploy/balancer/nginx.conf.j2 with ``context`` (the template says what it takes)."""
    folder = repo_root() / "deploy" / "balancer"
    env = jinja2.Environment(  # noqa: S701 - nginx configuration, not HTML
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("nginx.conf.j2").render(context)


class Balancer:
    """The balancer node's nginx: clients to the gateway nodes, and the dataservice nodes'
    internal address; :meth:`configure` renders it again and restarts it."""

    def __init__(self, node: Node, work: Path) -> None:
        self.node = node
        self.work = work
        self.url = f"http://{node.address}:{BALANCER_PORT}"
        self.dataservice_url = f"http://{node.address}:{INTERNAL_DATASERVICE_PORT}"
        self.process: ServiceProcess | None = None
        self.access_log = work / "logs" / "access.log"

    def configure(
        self, gateways: Iterable[str], dataservices: Iterable[str], *, affinity: bool = True
    ) -> None:
        for sub in ("logs", "tmp"):
            (self.work / sub).mkdir(parents=True, exist_ok=True)
        text = render_balancer(
            user="root" if os.geteuid() == 0 else "",
            worker_processes=1,
            pid=self.work / "nginx.pid",
            prefix=self.work,
            error_log=self.work / "logs" / "error.log",
            access_log=self.access_log,
            listen=f"{self.node.address}:{BALANCER_PORT}",
            gateways=list(gateways),
            affinity=affinity,
            fail_timeout=FAIL_TIMEOUT,
            services={
                "dataservice": {
                    "listen": f"{self.node.address}:{INTERNAL_DATASERVICE_PORT}",
                    "servers": list(dataservices),
                }
            },
        )
        conf = self.work / "nginx.conf"
        conf.write_text(text)
        if self.process is not None:
            self.process.stop()
            self.node.processes.remove(self.process)
        self.process = ServiceProcess(
            self.node.command(require_nginx(), "-p", self.work, "-c", conf, "-g", "daemon off;"),
            ready_url=f"{self.url}/_gateway/healthz",
            log_path=self.work / "logs" / "nginx.out",
            name="balancer",
        )
        self.node.processes.append(self.process)
        self.process.start()

    def log_size(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.access_log.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")


@dataclass
class Nodes(StackClients):
    """The whole deployment, node by node; what chaos/runners.py asks of a stack (urls,
    tokens, athletes, a first sync) besides."""

    work: Path
    network: Network
    postgres: PostgresServer | None = None
    redis: RedisServer | None = None
    tokendealer: Tokendealer | None = None
    dataservices: list[Dataservice] = field(default_factory=list)
    sim: StravaSim | None = None
    webs: list[Service] = field(default_factory=list)
    gateways: list[Service] = field(default_factory=list)
    balancer: Balancer | None = None
    worker_env: dict[str, str] = field(default_factory=dict)
    gateway_options: dict[str, Any] = field(default_factory=dict)
    _next_athlete: int = 1

    def node(self, name: str) -> Node:
        return self.network.nodes[name]

    @property
    def urls(self) -> dict[str, str]:
        assert self.balancer and self.sim and self.tokendealer
        return {
            # The other services' address for the dataservice: the balancer's internal one.
            "dataservice": self.balancer.dataservice_url,
            "strava-sim": self.sim.url,
            "tokendealer": self.tokendealer.url,
            "gateway": self.balancer.url,
        }

    def add_gateway(self, name: str) -> Service:
        """A gateway node more, in front of every web and dataservice node."""
        assert self.tokendealer is not None
        node = self.network.nodes.get(name) or self.network.node(name)
        gateway = start_gateway(
            self.work / name,
            web=" ".join(w.url for w in self.webs),
            dataservice=" ".join(d.url for d in self.dataservices),
            tokendealer=self.tokendealer.url,
            command=node.command(BIN / "runnerly-gateway", "run"),
            host=node.address,
            **self.gateway_options,
        )
        node.processes.append(gateway.process)
        self.gateways.append(gateway)
        return gateway


@contextlib.contextmanager
def start_nodes(work: Path, *, athletes: int = 4, gateways: int = 2) -> Iterator[Nodes]:
    """Every node, dependencies first; everything stopped and the network removed after."""
    network = Network()
    nodes = Nodes(work=work, network=network)
    try:
        _start(nodes, athletes, gateways)
        yield nodes
    finally:
        network.close()


def _start(nodes: Nodes, athletes: int, gateways: int) -> None:
    """Dependencies first; the nodes that do not depend on each other at once (most of a
    start is Python importing, and the machine has more than one core)."""
    network, work = nodes.network, nodes.work
    balancer_node = network.node("balancer")
    internal_dataservice = f"http://{balancer_node.address}:{INTERNAL_DATASERVICE_PORT}"
    for name in ("postgres", "redis", "tokendealer", "ds1", "ds2", "strava-sim"):
        network.node(name)
    for name in ("wk1", "wk2", "web1", "web2"):
        network.node(name)

    pg_node = network.nodes["postgres"]
    nodes.postgres = PostgresServer(pg_node, work / "postgres")
    pg_node.processes.append(nodes.postgres)
    redis_node = network.nodes["redis"]
    nodes.redis = RedisServer(
        work / "redis", 6379, appendonly=True, host=redis_node.address, wrap=redis_node.wrap
    )
    redis_node.processes.append(nodes.redis)
    _together(nodes.postgres.start, nodes.redis.start)
    database_url = nodes.postgres.create_database("runnerly_nodes")
    token_key = _fernet_key()  # one Strava token key for every dataservice node

    def tokendealer() -> None:
        node = network.nodes["tokendealer"]
        nodes.tokendealer = start_tokendealer(
            work / "tokendealer",
            dataservice_url=internal_dataservice,
            command=node.command(BIN / "tokendealer", "serve"),
            host=node.address,
            workers=1,
            # Tokens live an hour: none expires during the run.
            access_token_ttl=3600,
            user_token_ttl=3600,
            token_max_lifetime_seconds=3600,
        )
        node.processes.append(nodes.tokendealer.process)

    def sim() -> None:
        node = network.nodes["strava-sim"]
        nodes.sim = start_strava_sim(
            work / "strava-sim",
            athletes=athletes,
            workers=1,
            lift_limits=True,
            latency_ms=200,  # a backfill spans the faults
            activities_per_year=300,
            years=1,
            command=node.command(BIN / "strava-sim", "serve"),
            host=node.address,
        )
        node.processes.append(nodes.sim.process)

    _together(tokendealer, sim)
    assert nodes.tokendealer is not None and nodes.sim is not None
    jwks_url = nodes.tokendealer.jwks_url

    def dataservice(number: int, migrate: bool) -> Callable[[], None]:
        def start() -> None:
            node = network.nodes[f"ds{number}"]
            started = start_dataservice(
                work / node.name,
                database_url=database_url,
                jwks_url=jwks_url,
                migrate=migrate,
                workers=1,
                command=node.command(BIN / "dataservice", "serve"),
                host=node.address,
                strava_token_keys=token_key,
                token_max_lifetime_seconds=3600,
            )
            node.processes.append(started.process)
            nodes.dataservices.append(started)

        return start

    dataservice(1, migrate=True)()  # the schema once, before the second node starts

    redis_url = nodes.redis.url
    nodes.worker_env = worker_environ(
        broker_url=redis_url(0),
        redis_url=redis_url(1),
        dataservice_url=internal_dataservice,
        tokendealer=nodes.tokendealer,
        strava_url=nodes.sim.url,
        shared_store=redis_url(3),
        rate_limit_15min=UNLIMITED,
        rate_limit_daily=UNLIMITED,
        **WORKER_TIMINGS,
    )
    celery = [BIN / "celery", "-A", "strava_worker.celery_app"]

    def worker(number: int) -> Callable[[], None]:
        def start() -> None:
            node = network.nodes[f"wk{number}"]
            node.processes.append(
                start_celery_worker(
                    work / node.name,
                    f"worker-{number}",
                    nodes.worker_env,
                    pool="prefork",
                    concurrency=1,
                    command=node.command(*celery),
                )
            )
            if number == 1:
                beat = start_celery_beat(
                    work / node.name, nodes.worker_env, command=node.command(*celery)
                )
                node.processes.append(beat)

        return start

    secret_key = uuid.uuid4().hex  # one session cookie for every web node
    webs: dict[int, Service] = {}

    def web(number: int) -> Callable[[], None]:
        def start() -> None:
            assert nodes.tokendealer is not None and nodes.sim is not None
            node = network.nodes[f"web{number}"]
            webs[number] = start_web(
                work / node.name,
                dataservice_url=internal_dataservice,
                tokendealer=nodes.tokendealer,
                strava_url=nodes.sim.url,
                command=node.command(BIN / "runnerly-web", "serve"),
                host=node.address,
                secret_key=secret_key,
                # As compose has it: sessions and the login throttle in Redis DB 2 (every
                # web node sees every session), the worker's broker, the shared store.
                broker_url=redis_url(0),
                redis_url=redis_url(2),
                shared_store=redis_url(3),
                trusted_proxies=1,  # the gateway's hop of X-Forwarded-For
                workers=1,
            )
            node.processes.append(webs[number].process)

        return start

    _together(dataservice(2, migrate=False), worker(1), worker(2), web(1), web(2))
    nodes.webs = [webs[1], webs[2]]

    nodes.gateway_options = {
        "workers": 1,
        # The balancer's hop of X-Forwarded-For names the client: the limits' key.
        "trusted_proxies": f"{balancer_node.address}/32",
    }
    names = [network.node(f"gw{n}").name for n in range(1, gateways + 1)]
    _together(*(partial(nodes.add_gateway, name) for name in names))
    nodes.gateways.sort(key=lambda g: g.url)

    nodes.balancer = Balancer(balancer_node, work / "balancer")
    nodes.balancer.configure(
        [_host_port(g.url) for g in nodes.gateways],
        [_host_port(d.url) for d in nodes.dataservices],
    )


def _together(*starts: Callable[[], object]) -> None:
    """Run ``starts`` at once; the first failure raised once all have ended."""
    with ThreadPoolExecutor(len(starts)) as pool:
        for future in [pool.submit(start) for start in starts]:
            future.result()


def _host_port(url: str) -> str:
    return url.removeprefix("http://")


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()
