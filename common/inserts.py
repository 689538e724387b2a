"""A model instance's column values as the ORM's INSERT sends them, for an INSERT written once
per process (the complaint's store, the outbox): defaults and `auto_now` applied by `pre_save`,
each value prepared by its field — except a field that stores what its attribute holds (text,
numbers, flags, keys), read as it is: preparing the complaint's 45 columns one by one was a
visible part of an intake (issue 17)."""

import functools
from typing import Any

from django.db import connection, models
from django.db.models import Field

_AS_HELD = (models.CharField, models.TextField, models.BooleanField, models.IntegerField)


def insert_values(obj: models.Model, fields: list[Field]) -> list[Any]:
    """The values the ORM's INSERT would send for these fields of `obj`, in their order."""
    return [
        getattr(obj, f.attname) if held else f.get_db_prep_save(f.pre_save(obj, True), connection)
        for f, held in _held(tuple(fields))
    ]


@functools.cache
def _held(fields: tuple[Field, ...]) -> list[tuple[Field, bool]]:
    def held(field: Field) -> bool:
        target = field.target_field if field.is_relation else field
        return (
            isinstance(target, _AS_HELD)
            and type(target).get_db_prep_save is Field.get_db_prep_save
            and type(field).pre_save is Field.pre_save
        )

    return [(f, held(f)) for f in fields]
