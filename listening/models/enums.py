"""How an enum is stored: by its value, as a short string the database checks."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import Enum as EnumType


def stored_enum(enum: type[Enum], name: str) -> EnumType:
    """Return a column type that stores ``enum`` by value and lets the database refuse others."""
    return EnumType(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )
