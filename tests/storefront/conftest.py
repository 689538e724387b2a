import pytest
from django.db import connection


@pytest.fixture
def json_features_known(db):
    """The first JSON query of a process asks SQLite what it supports (a SAVEPOINT and a SELECT,
    once): not the page's, so not counted with it."""
    connection.features.supports_json_field  # noqa: B018
