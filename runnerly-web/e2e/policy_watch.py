"""Catch what a page's Content-Security-Policy (or Permissions-Policy) refused, in every
frame and after every navigation of a Playwright page: a violation means the page does
not run as shipped under the policy it is served with."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page

# Runs before the page's own scripts, in each document the page loads.
_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__runnerlyPolicyViolation(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} on ${e.documentURI}` +
    (e.sourceFile ? ` (${e.sourceFile}:${e.lineNumber})` : "") +
    (e.sample ? `: ${e.sample}` : ""));
});
"""
# Chromium's console lines for the same, and for a policy header it could not read.
_CONSOLE_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")


def watch(page: Page) -> list[str]:
    """Start collecting; the returned list fills as violations happen."""
    found: list[str] = []
    page.expose_binding("__runnerlyPolicyViolation", lambda _source, text: found.append(text))
    page.add_init_script(_LISTENER)

    def console(message: ConsoleMessage) -> None:
        if any(marker in message.text for marker in _CONSOLE_MARKERS):
            found.append(f"console {message.type}: {message.text}")

    page.on("console", console)
    return found
