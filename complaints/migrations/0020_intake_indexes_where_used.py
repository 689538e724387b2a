import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# Indexes a new complaint no longer writes (issue 17): each foreign key's own index where a
# composite index leads with the same column (region: complaint_queue_idx; merchant:
# complaint_merchant_idx; lodged_by: complaint_lodged_by_idx; transfer_to: the partial
# complaint_transfer_to_idx), or replaced by a partial index over the rows that have one
# (consumer, handler, station: empty on a new complaint); the LIKE-only (varchar_pattern_ops)
# indexes PostgreSQL adds beside a varchar key, never used (complaints are found by region
# ranges and by equality); and complaint_ip_recent_idx (below), which served the intake limits
# before they were counted in common.limits. (name, column, LIKE-only)
DROPPED = [
    ("complaints_complaint_consumer_id_35a38d87", "consumer_id", False),
    ("complaints_complaint_handler_id_be7a03e0", "handler_id", False),
    ("complaints_complaint_lodged_by_id_19be9414", "lodged_by_id", False),
    ("complaints_complaint_merchant_id_6e4520ef", "merchant_id", False),
    ("complaints_complaint_region_id_2edd6d1c", "region_id", False),
    ("complaints_complaint_region_id_2edd6d1c_like", "region_id", True),
    ("complaints_complaint_station_id_0f66db9e", "station_id", False),
    ("complaints_complaint_transfer_to_id_2955dafb", "transfer_to_id", False),
    ("complaints_complaint_transfer_to_id_2955dafb_like", "transfer_to_id", True),
    ("complaints_complaint_tracking_token_0b991f84_like", "tracking_token", True),
]


def drop_indexes(apps, schema_editor):
    for name, _column, _like in DROPPED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, column, like in DROPPED:
        if like and not postgresql:
            continue
        ops = " varchar_pattern_ops" if like else ""
        schema_editor.execute(
            f"CREATE INDEX {schema_editor.quote_name(name)} ON complaints_complaint "
            f"({schema_editor.quote_name(column)}{ops})"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0019_created_scope_index"),
        ("merchants", "0014_review_queue_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="complaint",
            name="complaint_ip_recent_idx",
        ),
        # The foreign keys' own indexes go without Django dropping and re-adding (and so
        # re-checking over every row) their constraints, as AlterField(db_index=False) does.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="complaint",
                    name="consumer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="complaints",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="consumer account",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="handler",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="handler",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="lodged_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The staff member (coordinator, hotline operator) who filed it for the caller.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="lodged by",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="merchant",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="complaints",
                        to="merchants.merchant",
                        verbose_name="merchant",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="region",
                    field=models.ForeignKey(
                        db_index=False,
                        help_text="The merchant's county: its regulators handle the complaint.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="merchants.region",
                        verbose_name="county",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="station",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The village liaison station it was lodged at, by a coordinator serving it.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="complaints",
                        to="merchants.station",
                        verbose_name="liaison station",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="transfer_to",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="While a transfer is pending: the county asked to take the complaint.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="merchants.region",
                        verbose_name="transfer to (county)",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("consumer__isnull", False)),
                fields=["consumer"],
                name="complaint_consumer_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("handler__isnull", False)),
                fields=["handler"],
                name="complaint_handler_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("station__isnull", False)),
                fields=["station"],
                name="complaint_station_idx",
            ),
        ),
    ]
