import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Entries a web intake no longer writes (issue 17): a consumer's own complaint has no staff
# filer and its first event no actor, so "complaints I filed" and the events' actor index hold
# only the rows that have one. The actor's own foreign-key index goes without Django dropping
# and re-adding (and so re-checking over every event) its constraint, as in 0020.
ACTOR_INDEX = "complaints_complaintevent_actor_id_c0807bed"


def drop_actor_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(ACTOR_INDEX)}")


def create_actor_index(apps, schema_editor):
    schema_editor.execute(
        f"CREATE INDEX {schema_editor.quote_name(ACTOR_INDEX)} "
        "ON complaints_complaintevent (actor_id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0020_intake_indexes_where_used"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="complaint", name="complaint_lodged_by_idx"),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("lodged_by__isnull", False)),
                fields=["lodged_by", "created_at"],
                name="complaint_lodged_by_idx",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="complaintevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_actor_index, create_actor_index, elidable=False),
            ],
        ),
        migrations.AddIndex(
            model_name="complaintevent",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor"],
                name="complaint_event_actor_idx",
            ),
        ),
    ]
