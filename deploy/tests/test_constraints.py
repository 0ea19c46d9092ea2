"""One set of versions everywhere: constraints.txt pins what `make setup`, every tox
environment and every image installs, and it pins a version of each dependency the
pyprojects, requirements-dev.txt and tox.ini name, within the range they ask for."""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from collections.abc import Iterator
from functools import cache

import pytest
from conftest import ROOT, dockerfile_stages
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

CONSTRAINTS = ROOT / "constraints.txt"
DOCKERFILES = sorted(path.relative_to(ROOT).as_posix() for path in ROOT.glob("*/Dockerfile"))
PYPROJECTS = sorted(ROOT.glob("*/pyproject.toml"))
# The target constraints.txt is compiled for (`make lock`): markers are judged against it.
TARGET = {"python_version": "3.11", "python_full_version": "3.11.0", "sys_platform": "linux"}
TARGET |= {"platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix"}


@cache
def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"constraints.txt: {line} is not one exact version"
        pins[canonicalize_name(requirement.name)] = Version(specifier.version)
    return pins


@cache
def _local_names() -> frozenset[str]:
    """The repository's own packages: installed from their folders, never pinned."""
    return frozenset(
        canonicalize_name(tomllib.loads(path.read_text(encoding="utf-8"))["project"]["name"])
        for path in PYPROJECTS
    )


def _pyproject_requirements() -> Iterator[tuple[str, str]]:
    for path in PYPROJECTS:
        project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
        where = path.relative_to(ROOT).as_posix()
        yield from ((where, line) for line in project.get("dependencies", []))
        for extra, lines in project.get("optional-dependencies", {}).items():
            yield from ((f"{where} [{extra}]", line) for line in lines)


def _requirements_dev() -> Iterator[tuple[str, str]]:
    for line in (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            yield "requirements-dev.txt", line


def _tox_ini() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini", encoding="utf-8")
    return parser


def _tox_deps() -> Iterator[tuple[str, str]]:
    """What tox environments install by name (their packages are the pyprojects above)."""
    parser = _tox_ini()
    for section in parser.sections():
        for line in parser.get(section, "deps", fallback="").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                yield f"tox.ini [{section}]", line


REQUIREMENTS = [*_pyproject_requirements(), *_requirements_dev(), *_tox_deps()]


@pytest.mark.parametrize(
    ("where", "line"), REQUIREMENTS, ids=[f"{w}: {r}" for w, r in REQUIREMENTS]
)
def test_the_constraints_pin_every_dependency_within_its_range(where: str, line: str) -> None:
    requirement = Requirement(line)
    name = canonicalize_name(requirement.name)
    if name in _local_names() or not (
        requirement.marker is None or requirement.marker.evaluate(TARGET)
    ):
        return
    pins = _pins()
    assert name in pins, f"{where} needs {line}, constraints.txt has no {name}: run `make lock`"
    assert requirement.specifier.contains(pins[name], prereleases=True), (
        f"{where} needs {line}, constraints.txt pins {name}=={pins[name]}: run `make lock`"
    )


def test_the_constraints_leave_the_repositorys_own_packages_to_their_folders() -> None:
    assert not _local_names() & set(_pins())


def _pip_installs(command: str) -> Iterator[list[str]]:
    """The arguments of each `pip install` in a RUN's shell command."""
    for part in re.split(r"&&|\|\||;", command):
        words = shlex.split(part)
        for at, word in enumerate(words[:-1]):
            if word.split("/")[-1] in {"pip", "pip3"} and words[at + 1] == "install":
                yield words[at + 2 :]


def _constraint_files(arguments: list[str]) -> list[str]:
    files = []
    for at, word in enumerate(arguments):
        if word in {"-c", "--constraint"} and at + 1 < len(arguments):
            files.append(arguments[at + 1])
        elif word.startswith("--constraint="):
            files.append(word.removeprefix("--constraint="))
        elif word.startswith("-c") and len(word) > 2:
            files.append(word[2:])
    return files


def test_there_are_dockerfiles_to_check() -> None:
    assert len(DOCKERFILES) >= 7, DOCKERFILES


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_every_pip_install_in_an_image_uses_the_constraints(dockerfile: str) -> None:
    for stage in dockerfile_stages(ROOT / dockerfile):
        copied: set[str] = set()
        for op, args in stage:
            if op == "COPY" and not args.startswith("--"):
                *sources, destination = args.split()
                if sources == ["constraints.txt"]:
                    copied.add(destination)
            if op != "RUN":
                continue
            for install in _pip_installs(args):
                files = _constraint_files(install)
                assert files, f"{dockerfile}: `pip install {' '.join(install)}` has no -c"
                assert set(files) <= copied, (
                    f"{dockerfile}: -c {' '.join(files)} is not the repository's constraints.txt"
                )


def test_make_setup_installs_with_the_constraints() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    installs = [line for line in makefile.splitlines() if re.search(r"\bpip install\b", line)]
    package_installs = [line for line in installs if " -e " in line or " -r " in line]
    assert package_installs, "the Makefile installs no packages with pip"
    for line in package_installs:
        assert "-c constraints.txt" in line, line


def test_every_tox_environment_installs_with_the_constraints() -> None:
    parser = _tox_ini()
    assert parser.get("testenv", "constraints").strip() == "{toxinidir}/constraints.txt"
    for section in parser.sections():
        if section.startswith("testenv:"):
            assert not parser.has_option(section, "constraints") or (
                parser.get(section, "constraints").strip() == "{toxinidir}/constraints.txt"
            ), section
            assert not parser.has_option(section, "install_command"), section
