"""The sim answers with the toolkit's headers; its authorize page, the one page a browser
renders, runs under a policy that allows its own stylesheet and nothing inline."""

from __future__ import annotations

import re

from test_oauth import AUTHORIZE


def directives(response) -> dict[str, str]:
    value = response.headers.get("Content-Security-Policy", "")
    parts = (part.strip().split(None, 1) for part in value.split(";") if part.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def test_json_answers_and_errors_carry_the_api_policy(http):
    for path, status in [("/admin/athletes", 200), ("/api/v3/nope", 404), ("/oauth/token", 405)]:
        response = http.get(path)
        assert response.status_code == status
        assert directives(response)["default-src"] == "'none'"
        assert directives(response)["frame-ancestors"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_the_authorize_page_loads_only_its_own_stylesheet(http):
    response = http.get("/oauth/authorize", query_string=AUTHORIZE)
    assert response.status_code == 200
    csp = directives(response)
    assert csp["default-src"] == "'none'" and csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    # The decision redirects to the client's redirect_uri: form-action would block that.
    assert "form-action" not in csp
    page = response.get_data(as_text=True)
    assert "<style" not in page and "<script" not in page and not re.search(r"\sstyle=", page)
    [href] = re.findall(r'<link rel="stylesheet" href="([^"]+)">', page)
    with http.get(href) as style:  # closed: it streams the file
        assert style.status_code == 200 and style.mimetype == "text/css"
        assert ".authorize" in style.get_data(as_text=True)
