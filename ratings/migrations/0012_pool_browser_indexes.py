"""The pool browser's orders by score and by time in the pool (bench/README.md, "Pool browser").
Highest score first, unscored last (score DESC NULLS LAST) has its index on PostgreSQL only:
SQLite has no NULLS LAST in an index, and the embedded default's lists are small."""

from django.db import migrations, models

SCORE_DESC = "standing_score_desc_idx"


def create_score_desc(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{SCORE_DESC}" ON "ratings_standing" '
            '("score" DESC NULLS LAST, "merchant_id", "region_id")'
        )


def drop_score_desc(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{SCORE_DESC}"')


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0011_policy_bounds"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="standing",
            index=models.Index(fields=["score", "merchant", "region"], name="standing_score_idx"),
        ),
        migrations.AddIndex(
            model_name="standing",
            index=models.Index(fields=["-since", "merchant", "region"], name="standing_since_idx"),
        ),
        migrations.RunPython(create_score_desc, drop_score_desc, elidable=False),
    ]
