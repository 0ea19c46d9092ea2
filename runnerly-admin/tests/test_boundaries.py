"""runnerly-admin reaches the dataservice and the tokendealer through their public admin
facades only (``dataservice.admin``, ``tokendealer.admin``), never through their models,
serializers or service layers (docs/decisions.md, 35).

The tests themselves may arrange and check state through the services' internals: the
boundary holds for the CLI that ships, ``src/runnerly_admin``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "runnerly_admin"
SERVICES = ("dataservice", "tokendealer")
FACADES = {f"{service}.admin" for service in SERVICES}


def reached(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every module an import reaches: ``from dataservice import users``
    reaches ``dataservice.users``; ``from dataservice.users import service`` reaches
    ``dataservice.users`` (and whatever it names inside it)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module in SERVICES:  # the names are the package's modules
                found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def crossings(tree: ast.AST) -> list[tuple[int, str]]:
    """The imports of a service's module other than its admin facade."""
    return [
        (line, module)
        for line, module in reached(tree)
        if module.partition(".")[0] in SERVICES and module not in FACADES
    ]


def test_the_cli_imports_nothing_of_the_services_but_their_admin_facades():
    sources = sorted(SOURCE.rglob("*.py"))
    assert sources, f"no sources under {SOURCE}"
    wrong = [
        f"{path.relative_to(SOURCE.parent)}:{line}: {module}"
        for path in sources
        for line, module in crossings(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not wrong, "use dataservice.admin or tokendealer.admin instead:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("code", "crossing"),
    [
        ("from dataservice.users import service", "dataservice.users"),
        ("from dataservice import users", "dataservice.users"),
        ("from dataservice.users.models import User", "dataservice.users.models"),
        ("import tokendealer.clients.registry", "tokendealer.clients.registry"),
        ("import dataservice", "dataservice"),
        ("def f():\n    from tokendealer.service import TokenDealer", "tokendealer.service"),
        ("from tokendealer.admin.keys import rotate", "tokendealer.admin.keys"),
    ],
)
def test_the_check_finds_a_service_module_however_it_is_imported(code, crossing):
    assert [module for _line, module in crossings(ast.parse(code))] == [crossing]


@pytest.mark.parametrize(
    "code",
    [
        "from dataservice import admin",
        "from dataservice.admin import APIError",
        "import tokendealer.admin",
        "import tokendealer.admin as tokendealer",
        "from runnerly_common.db import Database",
        "from .output import echo_json",
        "import dataservice_tools",
    ],
)
def test_the_check_lets_the_facades_and_other_packages_through(code):
    assert crossings(ast.parse(code)) == []
