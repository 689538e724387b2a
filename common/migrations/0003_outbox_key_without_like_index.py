from django.db import migrations

# The LIKE-only (varchar_pattern_ops) index PostgreSQL adds beside the outbox's unique key:
# keys are only compared by equality (ON CONFLICT, lookups), and every side effect recorded and
# every delivery marked wrote it (issue 17). Django's own operations drop it with IF EXISTS.
LIKE_INDEX = "common_outboxitem_key_fa79995f_like"


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(LIKE_INDEX)}")


def create_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {schema_editor.quote_name(LIKE_INDEX)} "
            "ON common_outboxitem (key varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("common", "0002_limit_counter")]

    operations = [migrations.RunPython(drop_like_index, create_like_index, elidable=False)]
