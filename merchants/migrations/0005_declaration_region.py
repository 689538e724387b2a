import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_merchant_county(apps, schema_editor):
    Declaration = apps.get_model("merchants", "Declaration")
    Merchant = apps.get_model("merchants", "Merchant")
    Declaration.objects.update(
        region_id=Subquery(Merchant.objects.filter(pk=OuterRef("merchant_id")).values("region_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("merchants", "0004_external_records_review_fields_notifications")]

    operations = [
        migrations.AddField(
            model_name="declaration",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="merchants.region",
                verbose_name="county",
            ),
        ),
        migrations.RunPython(copy_merchant_county, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="declaration",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="merchants.region",
                verbose_name="county",
            ),
        ),
        migrations.AddIndex(
            model_name="declaration",
            index=models.Index(
                fields=[
                    "region",
                    "state",
                    "review_due",
                    "decided_at",
                    "reviewer",
                    "is_overdue",
                    "flagged",
                    "scheme",
                ],
                name="declaration_region_queue_idx",
            ),
        ),
    ]
