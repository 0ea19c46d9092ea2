"""The dataservice's declarative base; each domain package defines its own tables."""

from sqlalchemy import BigInteger, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that Alembic migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# 64-bit ids on PostgreSQL; SQLite only auto-increments INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def import_all_models() -> None:
    """Import every domain's tables so that the metadata is complete (Alembic, tests)."""
    from dataservice.email_preferences import models as _email_preferences  # noqa: F401
    from dataservice.exports import models as _exports  # noqa: F401
    from dataservice.gear import models as _gear  # noqa: F401
    from dataservice.plans import models as _plans  # noqa: F401
    from dataservice.races import models as _races  # noqa: F401
    from dataservice.runs import models as _runs  # noqa: F401
    from dataservice.set_aside import models as _set_aside  # noqa: F401
    from dataservice.sharing import models as _sharing  # noqa: F401
    from dataservice.stats import models as _stats  # noqa: F401
    from dataservice.strava import models as _strava  # noqa: F401
    from dataservice.training import models as _training  # noqa: F401
    from dataservice.two_factor import models as _two_factor  # noqa: F401
    from dataservice.users import models as _users  # noqa: F401
    from dataservice.vo2max import models as _vo2max  # noqa: F401
