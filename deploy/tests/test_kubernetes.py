"""The Kubernetes manifests (deploy/kubernetes): every overlay renders with `kubectl
kustomize`, kubernetes-validate accepts every resource strictly against the API of
KUBERNETES_VERSION (its schemas ship in the package: no network), and what they deploy
agrees with docker-compose.yml, the production reference: the same services, images,
commands, settings (names and where each value comes from), secrets, ports, probes, limits
and volumes, and NetworkPolicies that allow exactly the calls compose's URLs make."""

from __future__ import annotations

import copy
import functools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from conftest import COMPOSE_FILE, ENV_EXAMPLE, IN_CI, ROOT, dockerfile_stages, read_env_file

KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("dev", "production", "production-keda")
# The oldest release still supported when this was written, whose schemas the package ships;
# the manifests use nothing newer (matchLabelKeys in a spread constraint: beta since 1.27).
KUBERNETES_VERSION = "1.32"
# Custom resources kubernetes-validate has no schema for: checked for shape below instead.
KEDA = ("keda.sh/v1alpha1", "ScaledObject")
# What Kubernetes needs that compose does not: the gateway's image names compose's DNS
# (127.0.0.11) as its resolver; Kubernetes has none there (its Services' addresses are
# resolved once, at start: base/gateway.yaml).
KUBERNETES_ONLY_ENV = {"gateway": {"GATEWAY_RESOLVER": ""}}
EXTERNAL = {"postgres", "redis"}  # run by an operator outside these manifests
SECRETS_DIR = "/run/secrets/"
REFERENCE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"]+")


# --- Rendering ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kubectl() -> str:
    path = shutil.which("kubectl")
    needed = (
        "`kubectl kustomize` renders the manifests: kubectl 1.27 or newer, with kustomize v5 "
        "(scripts/system-packages.txt; https://kubernetes.io/docs/tasks/tools/)"
    )
    if path is None:
        if IN_CI:
            pytest.fail(f"kubectl not found: {needed}")
        pytest.skip(f"kubectl not found: {needed}")
    # Debian's kubernetes-client (1.20) embeds kustomize v2, which cannot read these
    # kustomizations (components, labels): say so rather than fail on a parse error.
    answer = subprocess.run(
        [path, "version", "--client", "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    version = json.loads(answer.stdout).get("kustomizeVersion", "v0")
    assert int(version.lstrip("v").split(".")[0]) >= 5, f"{path} has kustomize {version}: {needed}"
    return path


def render(kubectl: str, folder: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"kubectl kustomize {folder}: {result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="session")
def rendered(kubectl: str) -> dict[str, list[dict[str, Any]]]:
    return {name: render(kubectl, KUBERNETES / "overlays" / name) for name in OVERLAYS}


class Manifests:
    """One overlay's resources, by kind and name."""

    def __init__(self, resources: list[dict[str, Any]]) -> None:
        self.resources = resources

    def of(self, kind: str) -> dict[str, dict[str, Any]]:
        return {r["metadata"]["name"]: r for r in self.resources if r["kind"] == kind}

    @property
    def workloads(self) -> dict[str, dict[str, Any]]:
        """Deployments and Jobs by name: what runs a pod."""
        return self.of("Deployment") | self.of("Job")

    def container(self, name: str) -> dict[str, Any]:
        containers = self.pod(name)["containers"]
        assert len(containers) == 1, f"{name}: one container, as compose runs one"
        return containers[0]

    def pod(self, name: str) -> dict[str, Any]:
        return self.workloads[name]["spec"]["template"]["spec"]

    def pod_labels(self, name: str) -> dict[str, str]:
        return self.workloads[name]["spec"]["template"]["metadata"]["labels"]


@pytest.fixture(scope="session")
def production(rendered: dict[str, list[dict[str, Any]]]) -> Manifests:
    return Manifests(rendered["production"])


def overlay_manifests() -> Any:
    return pytest.mark.parametrize("overlay", OVERLAYS)


# --- Compose, as the reference ---------------------------------------------------------------


@functools.cache
def compose_services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = yaml.safe_load(COMPOSE_FILE.read_text("utf-8"))[
        "services"
    ]
    return services


def deployed() -> dict[str, dict[str, Any]]:
    """The compose services Kubernetes runs: every one outside a profile (demo, tools), but
    PostgreSQL and Redis, which are external here."""
    return {
        name: service
        for name, service in compose_services().items()
        if not service.get("profiles") and name not in EXTERNAL
    }


def one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in (service.get("environment") or {}).items()}


def compose_command(service: dict[str, Any]) -> list[str]:
    return [str(word) for word in service.get("command") or []]


def compose_settings_names(service: dict[str, Any]) -> set[str]:
    """The variables compose hands the container, and those its command reads from .env
    (`--concurrency=${STRAVA_WORKER_CONCURRENCY:-2}`), which Kubernetes passes through the
    environment to expand them ($(VAR))."""
    names = set(compose_env(service))
    for word in compose_command(service):
        names |= {m.group(1) for m in REFERENCE.finditer(word)}
    return names


def env_example_or_default(name: str, reference: str) -> str:
    """What compose gives ${name}: .env.example's value, else the reference's default."""
    example = read_env_file(ENV_EXAMPLE)
    if name in example:
        return example[name]
    match = REFERENCE.fullmatch(reference)
    assert match, reference
    return match.group(3) if match.group(2) == "-" else ""


def image_name(service: dict[str, Any]) -> str:
    """runnerly/<name> of compose's ${RUNNERLY_REGISTRY...}/runnerly/<name>:${...}."""
    match = re.fullmatch(
        r"\$\{RUNNERLY_REGISTRY[^}]*\}/(runnerly/[\w-]+):\$\{RUNNERLY_IMAGE_TAG[^}]*\}",
        service["image"],
    )
    assert match, service["image"]
    return match.group(1)


def dockerfile_of(service: dict[str, Any]) -> Path:
    build = service["build"]
    return ROOT / build.get("context", ".") / build["dockerfile"]


def dockerfile_final_stage(service: dict[str, Any]) -> list[tuple[str, str]]:
    return dockerfile_stages(dockerfile_of(service))[-1]


def exposed_ports(service: dict[str, Any]) -> set[int]:
    return {
        int(port.split("/")[0])
        for instruction, arguments in dockerfile_final_stage(service)
        if instruction == "EXPOSE"
        for port in arguments.split()
    }


def image_env(service: dict[str, Any]) -> dict[str, str]:
    """The ENV of the image's final stage (NAME=value pairs)."""
    values = {}
    for instruction, arguments in dockerfile_final_stage(service):
        if instruction == "ENV":
            for pair in arguments.split():
                name, _, value = pair.partition("=")
                values[name] = value
    return values


def health_check(service: dict[str, Any]) -> list[str]:
    test = service.get("healthcheck", {}).get("test") or []
    assert test[:1] == ["CMD"], test
    return [str(word) for word in test[1:]]


def health_url(service: dict[str, Any]) -> tuple[int, str] | None:
    """(port, path) of an HTTP health check on the container itself, else None."""
    if "healthcheck" not in service:
        return None
    match = re.search(r"http://127\.0\.0\.1:(\d+)(/[\w/]+)", " ".join(health_check(service)))
    return (int(match.group(1)), match.group(2)) if match else None


@functools.cache
def calls() -> set[tuple[str, str, int]]:
    """(caller, callee, port) for every call compose's settings make: the URLs in a
    service's environment (http://dataservice:5002, redis://redis:6379/0), a database URL
    it is given (postgres:5432; the URLs are secrets, their host is compose's), and the
    gateway's upstreams, which its image names."""
    services = deployed()
    names = set(services) | EXTERNAL
    found = set()
    for name, service in services.items():
        values = list(compose_env(service).values())
        if name == "gateway":
            values += [
                f"http://{value}"
                for var, value in image_env(service).items()
                if var.endswith("_UPSTREAM")
            ]
        for value in values:
            for url in URL.findall(value):
                parts = urlsplit(url)
                if parts.hostname in names and parts.port:
                    found.add((name, parts.hostname, parts.port))
        if any(var.endswith("DATABASE_URL_FILE") for var in compose_env(service)):
            found.add((name, "postgres", 5432))
    return found


# --- Quantities -------------------------------------------------------------------------------


def cpus(value: str | int | float) -> float:
    text = str(value)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory_bytes(value: str) -> int:
    """Compose's 512M is MiB (docker's units are binary), as Kubernetes' 512Mi."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    match = re.fullmatch(r"(\d+)([KMG]i?)?", str(value))
    assert match, value
    return int(match.group(1)) * units.get(match.group(2) or "", 1)


def seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)(s|m)", value)
    assert match, value
    return int(match.group(1)) * (60 if match.group(2) == "m" else 1)


# --- The overlays render and validate ---------------------------------------------------------


@overlay_manifests()
def test_each_overlay_renders_and_every_resource_validates_strictly(
    overlay: str, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    resources = rendered[overlay]
    assert Manifests(resources).of("Deployment"), f"{overlay} rendered no Deployment"
    custom = []
    for resource in resources:
        if (resource["apiVersion"], resource["kind"]) == KEDA:
            custom.append(resource)
            continue
        # SchemaNotFoundError (a kind this Kubernetes does not have) fails here too.
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    assert bool(custom) == (overlay == "production-keda"), "KEDA stays in its own overlay"


def test_strict_validation_rejects_a_field_the_api_does_not_have(
    production: Manifests,
) -> None:
    """The check above would prove nothing if a misspelt field passed."""
    deployment = copy.deepcopy(production.of("Deployment")["gateway"])
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_schemas_of_that_version_ship_with_the_package() -> None:
    """Offline: the package's own files, never a download."""
    versions = kubernetes_validate.utils.all_versions()
    assert KUBERNETES_VERSION in {kubernetes_validate.utils.major_minor(v) for v in versions}
    shipped = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    assert (shipped / f"v{KUBERNETES_VERSION}.0-local-strict" / "deployment-apps-v1.json").is_file()


# --- The same services, images and commands as compose ---------------------------------------


@overlay_manifests()
def test_the_same_services_as_compose(
    overlay: str, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    manifests = Manifests(rendered[overlay])
    services = deployed()
    assert set(manifests.of("Deployment")) == {n for n, s in services.items() if not one_shot(s)}
    assert set(manifests.of("Job")) == {n for n, s in services.items() if one_shot(s)}
    external = {
        n for n, s in manifests.of("Service").items() if s["spec"].get("type") == "ExternalName"
    }
    assert external == EXTERNAL
    # Setup first, then the servers (README.md, "Deploy"): `kubectl apply -l
    # app.kubernetes.io/component!=server` applies all but the Deployments.
    for resource in manifests.resources:
        component = resource["metadata"].get("labels", {}).get("app.kubernetes.io/component")
        expected = {"Deployment": "server", "Job": "setup"}.get(resource["kind"])
        assert component == expected, (resource["kind"], resource["metadata"]["name"])
    # Every Service in front of pods selects a Deployment's pods.
    for name, service in manifests.of("Service").items():
        if name not in EXTERNAL:
            assert service["spec"]["selector"] == {"app.kubernetes.io/name": name}
            assert manifests.pod_labels(name)["app.kubernetes.io/name"] == name


@overlay_manifests()
def test_the_same_images_from_one_registry_and_release_tag(
    overlay: str, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    manifests = Manifests(rendered[overlay])
    releases = set()
    for name, service in deployed().items():
        image = manifests.container(name)["image"]
        registry, _, rest = image.partition("/")
        repository, _, tag = rest.partition(":")
        assert repository == image_name(service), f"{name}: {image}"
        assert tag and "@" not in tag and tag != "latest", f"{name}: {image}"
        releases.add((registry, tag))
    assert len(releases) == 1, f"{overlay}: one registry and release tag for all: {releases}"


def test_the_same_commands_as_compose(production: Manifests) -> None:
    for name, service in deployed().items():
        container = production.container(name)
        # ${VAR:-default} in compose's command is $(VAR) from the environment here.
        expected = [REFERENCE.sub(r"$(\1)", word) for word in compose_command(service)]
        assert container.get("command", []) == expected, name
        assert "args" not in container, name


# --- The same settings and secrets ------------------------------------------------------------


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}


@overlay_manifests()
def test_the_same_settings_names_as_compose(
    overlay: str, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    manifests = Manifests(rendered[overlay])
    for name, service in deployed().items():
        container = manifests.container(name)
        assert "envFrom" not in container, f"{name}: handed only what it reads, by name"
        expected = compose_settings_names(service) | set(KUBERNETES_ONLY_ENV.get(name, {}))
        assert set(env_of(container)) == expected, name


@overlay_manifests()
def test_each_value_comes_from_where_compose_takes_it(
    overlay: str, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    """A literal is the same literal; ${X} in compose is key X of the settings ConfigMap;
    a secret is the same file under /run/secrets."""
    manifests = Manifests(rendered[overlay])
    (config_name,) = manifests.of("ConfigMap")
    assert config_name.startswith("runnerly-settings-"), config_name  # hashed: rolls pods
    config = manifests.of("ConfigMap")[config_name]["data"]
    for name, service in deployed().items():
        env = env_of(manifests.container(name))
        wanted = compose_env(service)
        for word in compose_command(service):
            wanted |= {m.group(1): m.group(0) for m in REFERENCE.finditer(word)}
        for var, value in wanted.items():
            reference = REFERENCE.fullmatch(value)
            if reference:
                ref = env[var].get("valueFrom", {}).get("configMapKeyRef")
                assert ref == {"name": config_name, "key": reference.group(1)}, (name, var)
                assert reference.group(1) in config, f"{name} {var}: no {reference.group(1)}"
            else:
                assert "$" not in value, (name, var, value)
                assert env[var].get("value") == value, (name, var)
        for var, value in KUBERNETES_ONLY_ENV.get(name, {}).items():
            assert env[var].get("value") == value


def test_the_settings_are_compose_s_by_name_with_env_example_s_values(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    """base/settings.env (the dev overlay): every ${X} the deployed services read, and no
    other, with .env.example's value or compose's default; production changes values only."""
    references = {}
    for service in deployed().values():
        for value in [*compose_env(service).values(), *compose_command(service)]:
            for match in REFERENCE.finditer(value):
                references[match.group(1)] = match.group(0)
    (dev,) = Manifests(rendered["dev"]).of("ConfigMap").values()
    assert set(dev["data"]) == set(references)
    for name, reference in references.items():
        assert dev["data"][name] == env_example_or_default(name, reference), name
    (production,) = Manifests(rendered["production"]).of("ConfigMap").values()
    assert set(production["data"]) == set(references), "a key compose does not read"


@overlay_manifests()
def test_the_same_secrets_mounted_as_compose_mounts_them(
    overlay: str, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    manifests = Manifests(rendered[overlay])
    assert not manifests.of("Secret"), "no secret value in git: the operator creates it"
    generated = set(
        re.findall(r"^secret (\w+)", (ROOT / "deploy/generate-secrets.sh").read_text(), re.M)
    )
    generated |= {f"{s}_database_url" for s in ("tokendealer", "dataservice")}
    for name, service in deployed().items():
        pod = manifests.pod(name)
        wanted = set(service.get("secrets") or [])
        volumes = [v for v in pod.get("volumes", []) if "secret" in v]
        if not wanted:
            assert not volumes, name
            continue
        (volume,) = volumes
        assert volume["secret"]["secretName"] == "runnerly-secrets"
        items = {item["key"]: item["path"] for item in volume["secret"]["items"]}
        assert set(items) == wanted, name
        assert all(key == path for key, path in items.items()), name
        assert set(items) <= generated, "a key deploy/generate-secrets.sh does not write"
        mounts = {m["name"]: m for m in manifests.container(name)["volumeMounts"]}
        assert mounts[volume["name"]]["mountPath"] == SECRETS_DIR.rstrip("/")
        assert mounts[volume["name"]]["readOnly"] is True


# --- Ports, probes, limits, volumes, security --------------------------------------------------


def container_port(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    (number,) = [p["containerPort"] for p in container["ports"] if p["name"] == port]
    return int(number)


def test_the_same_container_ports_and_services(production: Manifests) -> None:
    """A container declares the port its health check asks, the ports others call it on and
    the one compose publishes, each one its image EXPOSEs; its Service offers the others'."""
    for name, service in deployed().items():
        called = {port for _, callee, port in calls() if callee == name}
        published = {int(str(p).rsplit(":", 1)[-1]) for p in service.get("ports", [])}
        health = health_url(service)
        wanted = called | published | ({health[0]} if health else set())
        container = production.container(name)
        ports = {p["containerPort"] for p in container.get("ports", [])}
        assert ports == wanted, name
        assert ports <= exposed_ports(service), f"{name}: {ports} not all EXPOSEd"
        if called | published:
            offered = production.of("Service")[name]["spec"]["ports"]
            assert {
                container_port(container, p["targetPort"]) for p in offered
            } == called | published
            assert {p["port"] for p in offered} == called | published
        else:
            assert name not in production.of("Service"), name


def test_the_same_probes_as_compose_s_health_checks(production: Manifests) -> None:
    """An HTTP health check on /healthz is the liveness probe, and /readyz on the same port
    the readiness probe; a command (beat, backup) is the readiness probe, as it is."""
    for name, service in deployed().items():
        container = production.container(name)
        if one_shot(service):
            assert "healthcheck" not in service
            assert "livenessProbe" not in container and "readinessProbe" not in container
            continue
        health = health_url(service)
        if health:
            port, path = health
            assert path == "/healthz", name
            live = container["livenessProbe"]["httpGet"]
            ready = container["readinessProbe"]["httpGet"]
            assert (live["path"], container_port(container, live["port"])) == (path, port), name
            assert (ready["path"], container_port(container, ready["port"])) == ("/readyz", port)
        else:
            assert "livenessProbe" not in container, name
            assert container["readinessProbe"]["exec"]["command"] == health_check(service), name


def test_the_same_limits_as_compose_and_requests_within_them(production: Manifests) -> None:
    for name, service in deployed().items():
        limits = service["deploy"]["resources"]["limits"]
        resources = production.container(name)["resources"]
        assert cpus(resources["limits"]["cpu"]) == cpus(limits["cpus"]), name
        assert memory_bytes(resources["limits"]["memory"]) == memory_bytes(limits["memory"]), name
        assert 0 < cpus(resources["requests"]["cpu"]) <= cpus(resources["limits"]["cpu"])
        assert memory_bytes(resources["requests"]["memory"]) == memory_bytes(
            resources["limits"]["memory"]
        ), f"{name}: memory is not compressible: the scheduler reserves what may be used"


def test_the_same_stop_grace_periods(production: Manifests) -> None:
    for name, service in deployed().items():
        if "stop_grace_period" in service:
            grace = production.pod(name)["terminationGracePeriodSeconds"]
            assert grace == seconds(service["stop_grace_period"]), name


def test_the_same_volumes_at_the_same_paths(production: Manifests) -> None:
    claims = production.of("PersistentVolumeClaim")
    used = set()
    for name, service in deployed().items():
        named = {
            source: target
            for source, target, *_ in (str(v).split(":") for v in service.get("volumes", []))
            if not source.startswith(".")
        }
        pod = production.pod(name)
        by_claim = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in pod.get("volumes", [])
            if "persistentVolumeClaim" in v
        }
        mounted = {
            by_claim[m["name"]]: m["mountPath"]
            for m in production.container(name).get("volumeMounts", [])
            if m["name"] in by_claim
        }
        assert mounted == named, name
        used |= set(named)
        if len(named) and production.workloads[name]["spec"].get("replicas", 2) == 1:
            # One pod mounts a ReadWriteOnce claim: a rolling update would start the new
            # pod beside the old, maybe on another node.
            assert production.workloads[name]["spec"]["strategy"]["type"] == "Recreate", name
    assert set(claims) == used
    # Several web pods write the parts of one upload into one folder (decision 60).
    assert claims["archive-uploads"]["spec"]["accessModes"] == ["ReadWriteMany"]


@overlay_manifests()
def test_every_pod_runs_as_its_image_s_user_without_privileges(
    overlay: str, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    manifests = Manifests(rendered[overlay])
    (namespace,) = manifests.of("Namespace").values()
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for name, service in deployed().items():
        pod = manifests.pod(name)
        users = [a for i, a in dockerfile_final_stage(service) if i == "USER"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert str(pod["securityContext"]["runAsUser"]) == users[-1], name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False, f"{name} needs no API access"
        context = manifests.container(name)["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        # As compose: it makes no root file system read-only (README.md says what would).
        assert context["readOnlyRootFilesystem"] is bool(service.get("read_only", False))


# --- NetworkPolicies: exactly the calls compose makes ----------------------------------------


def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return False
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _port_in(rule: dict[str, Any], port: int) -> bool:
    ports = rule.get("ports")
    return ports is None or any(p.get("port") == port for p in ports)


def _peer_in(peers: list[dict[str, Any]] | None, labels: dict[str, str] | None) -> bool:
    """Whether a rule's peers include a pod of this namespace with these labels, or, with
    labels None, an address outside the cluster that no ipBlock names (an operator's
    PostgreSQL or Redis: allowed by port only)."""
    if peers is None:
        return True
    for peer in peers:
        if (
            labels is not None
            and set(peer) == {"podSelector"}
            and _selects(peer["podSelector"], labels)
        ):
            return True
    return False


def allowed(
    policies: list[dict[str, Any]],
    direction: str,
    pod: dict[str, str],
    peer: dict[str, str] | None,
    port: int,
) -> bool:
    key = "egress" if direction == "Egress" else "ingress"
    peers_key = "to" if key == "egress" else "from"
    selecting = [
        p
        for p in policies
        if direction in p["spec"]["policyTypes"] and _selects(p["spec"]["podSelector"], pod)
    ]
    return any(
        _port_in(rule, port) and _peer_in(rule.get(peers_key), peer)
        for policy in selecting
        for rule in policy["spec"].get(key, [])
    )


@overlay_manifests()
def test_network_policies_allow_exactly_the_calls_compose_makes(
    overlay: str, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    manifests = Manifests(rendered[overlay])
    policies = list(manifests.of("NetworkPolicy").values())
    (deny,) = [p for p in policies if p["metadata"]["name"] == "default-deny"]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    services = deployed()
    offered = {
        name: [p["port"] for p in service["spec"]["ports"]]
        for name, service in manifests.of("Service").items()
    }
    wanted = calls()
    assert ("gateway", "runnerly-web", 5000) in wanted  # the derivation found something
    for caller in services:
        labels = manifests.pod_labels(caller)
        for callee in services:
            for port in offered.get(callee, []):
                callee_labels = manifests.pod_labels(callee)
                egress = allowed(policies, "Egress", labels, callee_labels, port)
                ingress = allowed(policies, "Ingress", callee_labels, labels, port)
                expected = (caller, callee, port) in wanted
                verb = "calls" if expected else "never calls"
                assert (egress and ingress) == expected, (
                    f"{caller} -> {callee}:{port}: compose {verb} it"
                )
                assert egress == expected, f"{caller} may open {callee}:{port} for nothing"
        for external in EXTERNAL:
            for port in offered[external]:
                expected = (caller, external, port) in wanted
                assert allowed(policies, "Egress", labels, None, port) == expected, (
                    f"{caller} -> {external}:{port}"
                )


@overlay_manifests()
def test_every_pod_may_ask_the_cluster_dns(
    overlay: str, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    manifests = Manifests(rendered[overlay])
    (dns,) = [p for p in manifests.of("NetworkPolicy").values() if p["metadata"]["name"] == "dns"]
    assert dns["spec"]["podSelector"] == {}
    (rule,) = dns["spec"]["egress"]
    assert {(p["protocol"], p["port"]) for p in rule["ports"]} == {("UDP", 53), ("TCP", 53)}


def test_the_policy_check_catches_a_call_compose_does_not_make(
    production: Manifests,
) -> None:
    """The webhook intake calls Redis only: a policy letting it reach the dataservice is
    caught, as is one that forgets the gateway's call to the web app."""
    policies = list(production.of("NetworkPolicy").values())
    webhook = production.pod_labels("strava-webhook")
    dataservice = production.pod_labels("dataservice")
    assert not allowed(policies, "Egress", webhook, dataservice, 5002)
    extra = copy.deepcopy(production.of("NetworkPolicy")["strava-webhook"])
    extra["spec"]["egress"].append(
        {"to": [{"podSelector": {"matchLabels": dataservice}}], "ports": [{"port": 5002}]}
    )
    assert allowed([*policies, extra], "Egress", webhook, dataservice, 5002)
    without = [p for p in policies if p["metadata"]["name"] != "gateway"]
    web = production.pod_labels("runnerly-web")
    assert not allowed(without, "Egress", production.pod_labels("gateway"), web, 5000)


# --- Production: autoscalers, budgets, spreading, connections ----------------------------------


def replicas_at_most(manifests: Manifests, name: str) -> int:
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h
        for h in manifests.of("HorizontalPodAutoscaler").values()
    }
    if name in hpas:
        return int(hpas[name]["spec"]["maxReplicas"])
    return int(manifests.workloads[name]["spec"].get("replicas", 1))


def test_autoscalers_for_the_gateway_web_and_dataservice(production: Manifests) -> None:
    hpas = production.of("HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == {
        "gateway",
        "runnerly-web",
        "dataservice",
    }
    for hpa in hpas.values():
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["name"] in production.of("Deployment")
        assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        # An autoscaled Deployment has no replicas field: each apply would reset the count.
        assert "replicas" not in production.of("Deployment")[target["name"]]["spec"]


def test_every_service_with_several_pods_has_a_budget_and_spreads(production: Manifests) -> None:
    budgets = production.of("PodDisruptionBudget")
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]
        for h in production.of("HorizontalPodAutoscaler").values()
    }
    for name, deployment in production.of("Deployment").items():
        several = name in hpas or deployment["spec"].get("replicas", 1) > 1
        assert (name in budgets) == several, name
        if not several:
            continue
        assert budgets[name]["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
        assert budgets[name]["spec"]["minAvailable"] == 1
        spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        by_key = {c["topologyKey"]: c for c in spread}
        assert by_key["kubernetes.io/hostname"]["whenUnsatisfiable"] == "DoNotSchedule"
        assert "topology.kubernetes.io/zone" in by_key
        for constraint in spread:
            assert _selects(constraint["labelSelector"], production.pod_labels(name))
    # Beat stays single: its lock makes a second a standby at best (decision 48).
    assert production.of("Deployment")["strava-beat"]["spec"]["replicas"] == 1


def test_the_connection_budget_holds_at_the_autoscalers_maxima(production: Manifests) -> None:
    """Every pool of every pod that opens PostgreSQL, at the most replicas it may have, plus
    the reserves, fits the example cluster's max_connections (docs/operations.md,
    "Capacity": the same sum as compose's)."""
    (cluster,) = [
        doc
        for doc in yaml.safe_load_all(
            (KUBERNETES / "examples/cloudnativepg-cluster.yaml").read_text()
        )
        if doc["kind"] == "Cluster"
    ]
    parameters = cluster["spec"]["postgresql"]["parameters"]
    (config,) = production.of("ConfigMap").values()
    settings = config["data"]
    total = int(parameters["superuser_reserved_connections"]) + 5  # + operators' sessions
    for name, service in deployed().items():
        env = compose_env(service)
        for prefix in ("TOKENDEALER_", "DATASERVICE_"):
            if f"{prefix}DATABASE_URL_FILE" not in env:
                continue
            if f"{prefix}DB_POOL_SIZE" not in env:
                total += 1  # pg_dump's one connection (the backup)
                continue
            per_process = int(settings[f"{prefix}DB_POOL_SIZE"]) + int(
                settings[f"{prefix}DB_MAX_OVERFLOW"]
            )
            processes = int(settings[f"{prefix}WORKERS"]) if f"{prefix}WORKERS" in env else 1
            total += per_process * processes * replicas_at_most(production, name)
    assert total <= int(parameters["max_connections"]), total


def test_the_gateway_sees_each_client_and_keeps_it_on_one_pod(production: Manifests) -> None:
    """Its rate limits count per client address, in each pod's memory."""
    gateway = production.of("Service")["gateway"]["spec"]
    assert gateway["type"] == "LoadBalancer"
    assert gateway["externalTrafficPolicy"] == "Local", "the client's address is kept"
    assert gateway["sessionAffinity"] == "ClientIP", "a client's counters live on one pod"


# --- KEDA: the workers scaled by their queue --------------------------------------------------


def test_the_workers_scale_on_their_own_queue_in_the_broker(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    manifests = Manifests(rendered["production-keda"])
    scaled = [r for r in manifests.resources if (r["apiVersion"], r["kind"]) == KEDA]
    assert {s["spec"]["scaleTargetRef"]["name"] for s in scaled} == {
        "strava-worker",
        "strava-streams",
    }
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]
        for h in manifests.of("HorizontalPodAutoscaler").values()
    }
    (namespace,) = manifests.of("Namespace")
    for scaled_object in scaled:
        spec = scaled_object["spec"]
        name = spec["scaleTargetRef"]["name"]
        assert scaled_object["metadata"]["namespace"] == namespace
        assert name not in hpas, f"{name}: KEDA's autoscaler and another would fight"
        assert "replicas" not in manifests.of("Deployment")[name]["spec"]
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        (trigger,) = spec["triggers"]
        assert trigger["type"] == "redis"
        container = manifests.container(name)
        (queues,) = [w.split("=", 1)[1] for w in container["command"] if w.startswith("--queues=")]
        broker = urlsplit(env_of(container)["STRAVA_WORKER_BROKER_URL"]["value"])
        metadata = trigger["metadata"]
        assert metadata["listName"] == queues
        assert metadata["databaseIndex"] == broker.path.strip("/")
        # KEDA's operator, in its own namespace, needs the Service's full name.
        assert (
            metadata["address"] == f"{broker.hostname}.{namespace}.svc.cluster.local:{broker.port}"
        )
        assert int(metadata["listLength"]) > 0
