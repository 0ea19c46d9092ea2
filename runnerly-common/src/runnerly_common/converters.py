"""URL converters every service's routes use: an ``<int:...>`` within 64 bits.

Werkzeug's ``int`` converter takes any number of digits, and a 20-digit id then reached the
database: SQLite raises OverflowError and PostgreSQL "out of range", both a 500. No id is
beyond a signed 64-bit integer, so such a URL matches no route: a 404 like any unknown id.
(OpenAPI operations check their own parameters: runnerly_common.openapi_values.)
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

BIGGEST = 2**63 - 1


class BoundedIntegerConverter(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", BIGGEST)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter
