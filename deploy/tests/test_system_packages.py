"""The README's two commands on a bare machine: `make run`, `make test` and `.ci/run` install
the Debian packages they need from one list (scripts/system-packages.txt) before anything
else, or stop first with the command to run; and that list names every system binary the
stack and the tests start."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path

import pytest
from conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
LIST = ROOT / "scripts" / "system-packages.txt"
SCRIPT = ROOT / "scripts" / "system-packages.sh"
# What every machine of this kind has before the project installs anything.
BASE_SYSTEM = {"env", "sh", "bash", "python3", "git", "kill"}
# How code names a program it starts: looked up on PATH or by Debian's absolute path.
STARTED = (
    re.compile(r"""shutil\.which\(\s*["']([\w.+-]+)["']"""),
    re.compile(r"""["']/usr/s?bin/([\w.+-]+)["']"""),
)


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not on PATH"
    return path


def listed() -> dict[str, list[str]]:
    """package -> the binaries it provides, as the list says."""
    packages = {}
    for line in LIST.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            package, *binaries = line.split()
            packages[package] = binaries
    return packages


def console_scripts() -> set[str]:
    """The project's own commands, which `make` installs into .venv/bin."""
    names = set()
    for pyproject in ROOT.glob("*/pyproject.toml"):
        names |= set(tomllib.loads(pyproject.read_text()).get("project", {}).get("scripts", {}))
    return names


def started_binaries() -> dict[str, set[str]]:
    """binary -> the tracked files (outside benchmarks/) that start it."""
    files = subprocess.run(
        [_tool("git"), "ls-files", "*.py", "*.sh", "*.ts", "*.j2", "Procfile", ".ci/run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found: dict[str, set[str]] = {}
    for name in files:
        if name.startswith(("benchmarks/", "deploy/tests/test_system_packages.py")):
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        for pattern in STARTED:
            for binary in pattern.findall(text):
                found.setdefault(binary, set()).add(name)
    return found


def test_every_started_binary_comes_from_a_listed_package() -> None:
    provided = {binary for binaries in listed().values() for binary in binaries}
    exempt = BASE_SYSTEM | console_scripts()
    started = started_binaries()
    # The scan sees what it must: a list that found nothing would prove nothing.
    assert {"nginx", "redis-server", "chromium", "docker-compose"} <= set(started)
    missing = {b: sorted(f) for b, f in started.items() if b not in provided | exempt}
    assert not missing, f"add the packages of these binaries to {LIST.name}: {missing}"


def test_the_gateway_modules_come_from_listed_packages() -> None:
    packages = set(listed())
    assert {"nginx", "libnginx-mod-http-lua", "lua-resty-core", "lua-cjson"} <= packages


@pytest.mark.parametrize("target", ["run", "test", "setup"])
def test_make_installs_system_packages_before_anything_else(target: str) -> None:
    """`make -n -B` prints what make would do, in order, without doing it."""
    planned = subprocess.run(
        [_tool("make"), "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert planned[0] == f"bash scripts/{SCRIPT.name}", planned[:3]


def test_ci_uses_the_same_list() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    before_tests = ci[: ci.index("make test")]
    assert f"scripts/{SCRIPT.name}" in before_tests
    # No second list hiding in CI's script.
    assert "apt-get install" not in ci


def _bare_path(tmp_path: Path) -> str:
    """A PATH with the script's own tools and none of the listed packages' binaries."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dpkg-query", "grep", "id", "python3", "dirname"):
        target = shutil.which(tool, path="/usr/bin:/bin")
        assert target, tool
        (bin_dir / tool).symlink_to(os.path.realpath(target))
    return str(bin_dir)


def test_without_root_it_stops_naming_the_one_command() -> None:
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        if IN_CI:
            pytest.fail("CI runs as root with setpriv (util-linux): this check must run there")
        pytest.skip("needs root to drop to another user")
    # pytest's tmp_path lies under a folder only root may enter.
    tmp_path = Path(tempfile.mkdtemp(prefix="runnerly-bare-"))
    tmp_path.chmod(0o755)
    script = tmp_path / SCRIPT.name
    shutil.copy(SCRIPT, script)
    shutil.copy(LIST, tmp_path / LIST.name)
    result = subprocess.run(
        [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "bash", str(script)],
        env={"PATH": _bare_path(tmp_path), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    shutil.rmtree(tmp_path)
    assert result.returncode == 1, result.stderr
    command = re.search(r"apt-get install -y ([^']+)", result.stderr)
    assert command, result.stderr
    wanted = set(command.group(1).split())
    assert {"nginx", "chromium", "docker-compose", "redis-server"} <= wanted, result.stderr


def test_with_everything_installed_it_does_nothing() -> None:
    if not IN_CI:
        pytest.skip("CI has run the script: every listed package is there")
    result = subprocess.run(
        [_tool("bash"), str(SCRIPT)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    for package, binaries in listed().items():
        for binary in binaries:
            assert shutil.which(binary), f"{binary} ({package}) is not on PATH after the script"
