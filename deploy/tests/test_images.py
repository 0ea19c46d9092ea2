"""Images built once and deployed by tag: every third-party image pinned by the digest of
its tag, on a version its upstream still supports, and every Runnerly image run by the
release tag the operator chose (docs/operations.md, "Release")."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, dockerfile_stages

DOCKERFILES = sorted(path.relative_to(ROOT).as_posix() for path in ROOT.glob("*/Dockerfile"))
BASE_IMAGES = ROOT / "deploy" / "base-images.txt"
PIN_IMAGES = ROOT / "deploy" / "pin-images.sh"
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}")
PINNED = re.compile(r"(?P<name>[a-z0-9./_-]+):(?P<tag>[\w.-]+)@sha256:[0-9a-f]{64}")
# Ours: from the registry the release was pushed to, by the release's tag, both required.
RUNNERLY_IMAGE = re.compile(
    r"\$\{RUNNERLY_REGISTRY:\?[^}]+\}/runnerly/[a-z-]+:\$\{RUNNERLY_IMAGE_TAG:\?[^}]+\}"
)

# Images left on a tag alone, each with the reason no digest could be pinned. A reference
# named here is reported as an expected failure, never passed in silence. Empty: every
# image in base-images.txt has a digest.
UNPINNED: dict[str, str] = {}

# The day each release line stops getting security fixes, from its upstream's published
# schedule: a pin past its line's date fails. A line not in the table fails too, so that a
# new major is looked up and added here, not let through.
END_OF_LIFE: dict[str, dict[str, date]] = {
    # devguide.python.org/versions
    "python": {
        "3.10": date(2026, 10, 31),
        "3.11": date(2027, 10, 31),
        "3.12": date(2028, 10, 31),
        "3.13": date(2029, 10, 31),
        "3.14": date(2030, 10, 31),
    },
    # github.com/nodejs/Release: even majors only (odd ones live six months).
    "node": {
        "18": date(2025, 4, 30),
        "20": date(2026, 4, 30),
        "22": date(2027, 4, 30),
        "24": date(2028, 4, 30),
        "26": date(2029, 4, 30),
    },
    # postgresql.org/support/versioning
    "postgres": {
        "14": date(2026, 11, 12),
        "15": date(2027, 11, 11),
        "16": date(2028, 11, 9),
        "17": date(2029, 11, 8),
        "18": date(2030, 11, 14),
    },
}
# Redis publishes no dates: it fixes the current major and backports security fixes to the
# one before it (its SECURITY.md). Current: 8 (2026-12); drop 7 when 9 is released.
REDIS_SUPPORTED_MAJORS = {"7", "8"}
# Upstreams with no published lifecycle, where only the newest release line gets fixes;
# Renovate's dashboard (renovate.json) lists a newer tag for someone to approve.
NEWEST_LINE_ONLY = {"openresty/openresty", "axllent/mailpit"}


def _dockerfile_references(relative: str) -> list[str]:
    """The image each stage starts FROM, leaving out a stage built FROM an earlier one."""
    references, aliases = [], set()
    for stage in dockerfile_stages(ROOT / relative):
        words = [word for word in stage[0][1].split() if not word.startswith("--")]
        if words[0] not in aliases:
            references.append(words[0])
        if len(words) == 3 and words[1].upper() == "AS":
            aliases.add(words[2])
    return references


def _third_party(services: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {name: s["image"] for name, s in services.items() if "build" not in s}


def _listed() -> list[str]:
    lines = BASE_IMAGES.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _every_reference(services: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    found = [(path, ref) for path in DOCKERFILES for ref in _dockerfile_references(path)]
    found += [(f"docker-compose.yml {name}", ref) for name, ref in _third_party(services).items()]
    return found


def _without_digest(reference: str) -> str:
    return DIGEST.sub("", reference)


def test_the_dockerfiles_are_those_compose_builds() -> None:
    assert len(DOCKERFILES) == 7, DOCKERFILES


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_every_stage_starts_from_an_image_pinned_by_digest(dockerfile: str) -> None:
    for reference in _dockerfile_references(dockerfile):
        if _without_digest(reference) in UNPINNED:
            pytest.xfail(f"{reference}: {UNPINNED[_without_digest(reference)]}")
        assert PINNED.fullmatch(reference), (
            f"{dockerfile}: FROM {reference} names no digest; write name:tag@sha256:<digest> "
            "(deploy/pin-images.sh)"
        )


def test_every_third_party_image_in_compose_is_pinned_by_digest(
    services: dict[str, dict[str, Any]],
) -> None:
    third_party = _third_party(services)
    assert {"postgres", "redis", "mailpit"} <= set(third_party)
    for name, reference in third_party.items():
        if _without_digest(reference) in UNPINNED:
            pytest.xfail(f"{reference}: {UNPINNED[_without_digest(reference)]}")
        assert PINNED.fullmatch(reference), f"{name}: image {reference} names no digest"


def test_every_runnerly_image_is_pulled_by_registry_and_release_tag_never_latest(
    services: dict[str, dict[str, Any]],
) -> None:
    ours = {name: s["image"] for name, s in services.items() if "build" in s}
    assert len(ours) >= 10
    for name, image in ours.items():
        assert RUNNERLY_IMAGE.fullmatch(image), (
            f"{name}: {image}; production pulls the tag it was given, with no default "
            "(${RUNNERLY_REGISTRY:?...}/runnerly/<name>:${RUNNERLY_IMAGE_TAG:?...})"
        )


def test_the_pinned_tags_are_the_ones_the_refresh_script_knows(
    services: dict[str, dict[str, Any]],
) -> None:
    """deploy/pin-images.sh refreshes the tags base-images.txt lists: one used anywhere
    but not listed would keep its digest for ever."""
    used = {_without_digest(ref) for _, ref in _every_reference(services)}
    listed = _listed()
    assert len(listed) == len(set(listed)), "a tag is listed twice"
    assert used == set(listed), f"not listed: {used - set(listed)}; unused: {set(listed) - used}"


def test_one_tag_has_one_digest_everywhere(services: dict[str, dict[str, Any]]) -> None:
    digests: dict[str, set[str]] = {}
    for _, reference in _every_reference(services):
        digests.setdefault(_without_digest(reference), set()).add(reference)
    assert all(len(refs) == 1 for refs in digests.values()), digests


def _line(name: str, tag: str) -> str:
    match = re.match(r"v?(\d+)(?:\.(\d+))?", tag)
    assert match, f"{name}:{tag}: no version in the tag"
    major, minor = match.groups()
    return f"{major}.{minor}" if name == "python" else major


def _unsupported(reference: str, today: date) -> str | None:
    """Why the image's release line is unsupported on `today`, or None."""
    name, _, tag = _without_digest(reference).partition(":")
    if name in END_OF_LIFE:
        line = _line(name, tag)
        if line not in END_OF_LIFE[name]:
            return f"{name} {line} is not in END_OF_LIFE: add its end-of-life date"
        end = END_OF_LIFE[name][line]
        return f"{name} {line} reached its end of life on {end}" if today > end else None
    if name == "redis":
        major = _line(name, tag)
        return None if major in REDIS_SUPPORTED_MAJORS else f"redis {major} gets no fixes"
    return None if name in NEWEST_LINE_ONLY else "say how its support is checked"


def test_every_image_is_on_a_release_line_still_supported(
    services: dict[str, dict[str, Any]],
) -> None:
    today = date.today()
    problems = {
        f"{where}: {ref}": why
        for where, ref in _every_reference(services)
        if (why := _unsupported(ref, today))
    }
    assert not problems, problems


def test_the_end_of_life_check_refuses_node_20_and_a_line_it_does_not_know() -> None:
    """What the issue found: Node 20 left support on 2026-04-30."""
    today = date(2026, 12, 7)
    assert _unsupported("node:20-slim", today) == "node 20 reached its end of life on 2026-04-30"
    assert _unsupported(f"node:24-slim@sha256:{'0' * 64}", today) is None
    assert _unsupported("node:25-slim", today) is not None
    assert _unsupported("python:3.11-slim-trixie", date(2027, 11, 1)) is not None
    assert _unsupported("redis:6.2-alpine", today) is not None
    assert _unsupported("nginx:1.27-alpine", today) is not None


def test_renovate_refreshes_the_digests_and_leaves_a_new_tag_to_a_person() -> None:
    import json

    config = json.loads((ROOT / "renovate.json").read_text(encoding="utf-8"))
    assert config["pinDigests"] is True
    assert set(config["enabledManagers"]) == {"dockerfile", "docker-compose"}
    rules = [r for r in config["packageRules"] if "matchUpdateTypes" in r]
    new_tags = [r for r in rules if {"major", "minor", "patch"} & set(r["matchUpdateTypes"])]
    assert new_tags and all(r.get("dependencyDashboardApproval") for r in new_tags)
    assert {"major", "minor", "patch"} <= {t for r in new_tags for t in r["matchUpdateTypes"]}
    digests = [r for r in rules if "digest" in r["matchUpdateTypes"]]
    assert digests and not any(r.get("dependencyDashboardApproval") for r in digests)


# --- deploy/pin-images.sh, with a stand-in registry client -----------------------------
# No registry is reachable from here: a `crane` on PATH that answers one digest per tag
# stands in for it, to check what the script rewrites and what it leaves alone.

NEW = {
    "python:3.11-slim-trixie": "1" * 64,
    "node:24-slim": "2" * 64,
}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    for relative in [*DOCKERFILES, "docker-compose.yml", "deploy/base-images.txt"]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, tmp_path / relative)
    shutil.copy(PIN_IMAGES, tmp_path / "deploy" / "pin-images.sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cases = "".join(f'  "{ref}") echo "sha256:{digest}" ;;\n' for ref, digest in NEW.items())
    (bin_dir / "crane").write_text(
        "#!/bin/sh\n"
        # As a client might: whatever is on its standard input is read.
        "cat >/dev/null\n"
        '[ "$1" = digest ] || exit 64\n'
        'case "$2" in\n'
        f"{cases}"
        '  *) grep -rhoE "$2@sha256:[0-9a-f]{64}" "$PINS_ROOT"/*/Dockerfile '
        '"$PINS_ROOT"/docker-compose.yml | head -n 1 | cut -d@ -f2 ;;\n'
        "esac\n",
        encoding="utf-8",
    )
    (bin_dir / "crane").chmod(0o755)
    return tmp_path


def _pin(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = f"{checkout / 'bin'}:/usr/bin:/bin"
    return subprocess.run(
        ["/bin/bash", str(checkout / "deploy" / "pin-images.sh"), *args],
        cwd=checkout,
        env={"PATH": path, "PINS_ROOT": str(checkout), "PIN_IMAGES_CLIENT": "crane"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_pin_images_check_names_the_moved_tags_and_changes_nothing(checkout: Path) -> None:
    before = (checkout / "runnerly-web" / "Dockerfile").read_text(encoding="utf-8")
    result = _pin(checkout, "--check")
    assert result.returncode == 1, result.stderr
    assert "python:3.11-slim-trixie" in result.stdout and "node:24-slim" in result.stdout
    assert "postgres:17-alpine" not in result.stdout
    assert (checkout / "runnerly-web" / "Dockerfile").read_text(encoding="utf-8") == before


def test_pin_images_rewrites_every_from_and_image_line_of_a_moved_tag(checkout: Path) -> None:
    compose_before = (checkout / "docker-compose.yml").read_text(encoding="utf-8")
    result = _pin(checkout)
    assert result.returncode == 0, result.stderr
    web = (checkout / "runnerly-web" / "Dockerfile").read_text(encoding="utf-8")
    assert f"FROM node:24-slim@sha256:{NEW['node:24-slim']} AS frontend" in web
    assert f"FROM python:3.11-slim-trixie@sha256:{NEW['python:3.11-slim-trixie']}\n" in web
    gateway = (checkout / "nginx" / "Dockerfile").read_text(encoding="utf-8")
    assert f"python:3.11-slim-trixie@sha256:{'1' * 64} AS render" in gateway
    # Nothing else moved: compose's images kept their digests, every other line its text.
    assert (checkout / "docker-compose.yml").read_text(encoding="utf-8") == compose_before
    assert _pin(checkout, "--check").returncode == 0


def test_pin_images_refuses_an_answer_that_is_not_a_digest(checkout: Path) -> None:
    crane = checkout / "bin" / "crane"
    crane.write_text("#!/bin/sh\necho 'unauthorized: authentication required'\n", encoding="utf-8")
    before = (checkout / "dataservice" / "Dockerfile").read_text(encoding="utf-8")
    result = _pin(checkout)
    assert result.returncode != 0
    assert "python:3.11-slim-trixie" in result.stderr
    assert (checkout / "dataservice" / "Dockerfile").read_text(encoding="utf-8") == before
