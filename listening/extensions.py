"""Flask extensions, created unbound here and bound to the app in the factory."""

from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Base class for every table."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
socketio = SocketIO()
