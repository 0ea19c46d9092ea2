"""What the public shared page and its JSON have in common: the token's shape, how long a
cache (the gateway's, a browser's) may keep an answer, and the headers that say so.

Revocation takes effect through expiry, not a purge: a shared answer, found or not, may be
kept ``SHARED_MAX_AGE`` seconds by a shared cache (the gateway's ``proxy_cache``) and is
revalidated by a browser every time (``max-age=0``), so a revoked link stops working
within ``SHARED_MAX_AGE`` seconds (6 through nginx, which counts whole seconds).  Nothing
here reads or writes the session: the page works logged out and sets no cookie.
"""

from __future__ import annotations

import re

from flask import Response

# What the dataservice makes (secrets.token_urlsafe(32)); anything else is no token of ours.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
SHARED_MAX_AGE = 5  # seconds a shared cache keeps an answer (decision 65)


def cacheable(response: Response) -> Response:
    """Public, kept ``SHARED_MAX_AGE`` s by a shared cache, and never indexed."""
    response.headers["Cache-Control"] = f"public, max-age=0, s-maxage={SHARED_MAX_AGE}"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
