"""Flask extensions, created unbound here and bound to the app in the factory."""

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: constraint names that come out the same on SQLite and PostgreSQL, so migrations can name them
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class for every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Every table derives from ``Model``: Flask-SQLAlchemy's ``db.Model`` at run time, which type
# checkers cannot see through, so they are shown the declarative base it is built on.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
socketio = SocketIO()
#: per-address limits on creating, joining and connecting (storage: RATELIMIT_STORAGE_URI)
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
#: who is signed in (coordinators and hosts; participants never sign in)
login_manager = LoginManager()
