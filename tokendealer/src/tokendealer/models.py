"""The tokendealer's tables share one declarative base."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def import_all_models() -> MetaData:
    """``Base.metadata`` with every table registered (Alembic compares against it)."""
    from tokendealer.apps import models as _apps  # noqa: F401
    from tokendealer.clients import models as _clients  # noqa: F401
    from tokendealer.keys import models as _keys  # noqa: F401

    return Base.metadata
