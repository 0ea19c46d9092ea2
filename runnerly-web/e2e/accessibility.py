"""axe-core, run in the page as the runner sees it: the journeys call ``assert_accessible``
on every page they visit and fail on a serious or critical violation (WCAG 2.x A and AA).

axe comes from the dashboard's own devDependencies (``npm ci`` installs it), so the
version is pinned by package-lock.json and nothing is downloaded at test time. It is
evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
govern: no inline script is added to the page, and the CSP watch stays meaningful."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).parents[1] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def _axe_source() -> str:
    if not AXE.is_file():
        raise AssertionError(f"{AXE} is missing: run `npm ci` in runnerly-web/frontend")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Page, include: str | None = None) -> list[dict[str, Any]]:
    """axe's violations of the page (or of the ``include`` selector) as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Wrapped in a function so Playwright evaluates it rather than guessing its kind;
        # axe's UMD wrapper puts itself on window.
        page.evaluate("() => {\n" + _axe_source() + "\n}")
    result: dict[str, Any] = page.evaluate(
        """async ([include, tags]) => {
            const options = { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] };
            return await window.axe.run(include ? { include: [include] } : document, options);
        }""",
        [include, TAGS],
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        nodes = v.get("nodes", [])
        targets = ", ".join(" ".join(map(str, n.get("target", []))) for n in nodes[:3])
        more = f" (+{len(nodes) - 3} more)" if len(nodes) > 3 else ""
        lines.append(f"{v['impact']}: {v['id']} ({v['help']}) at {targets}{more}")
        if nodes and nodes[0].get("failureSummary"):
            lines.append("    " + nodes[0]["failureSummary"].replace("\n", " "))
    return "\n".join(lines)


def assert_accessible(page: Page, what: str = "") -> None:
    """No serious or critical axe violation on the page as it is now; ``what`` names the
    page in the failure."""
    bad = [v for v in axe_violations(page) if v.get("impact") in FAILING]
    assert not bad, f"accessibility of {what or page.url}:\n{describe(bad)}"
