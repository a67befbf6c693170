"""The change log is append-only in the database itself: its triggers refuse, on PostgreSQL,
whatever would rewrite it, whoever sends the SQL."""

import pytest
from django.db import connection, transaction

# Statements that would rewrite one entry of the log (its id as the parameter).
REWRITES_OF_AN_ENTRY = (
    "UPDATE audits_auditentry SET actor_name = 'x' WHERE id = %s",
    "DELETE FROM audits_auditentry WHERE id = %s",
)


def assert_refused_as_append_only(sql, params=None):
    """The statement fails on the log's triggers, inside a savepoint rolled back with it."""
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
