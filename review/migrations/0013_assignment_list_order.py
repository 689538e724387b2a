import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q, Subquery

OPEN_STATES = ("scheduled", "rectifying", "rectification_submitted")


def copy_visit_order(apps, schema_editor):
    Inspection = apps.get_model("review", "Inspection")
    InspectionAssignment = apps.get_model("review", "InspectionAssignment")
    visit = Inspection.objects.filter(pk=OuterRef("inspection_id"))
    InspectionAssignment.objects.update(
        due_date=Subquery(visit.values("due_date")[:1]),
        draw_order=Subquery(visit.values("draw_order")[:1]),
        is_open=Exists(visit.filter(state__in=OPEN_STATES)),
        region_id=Subquery(visit.values("region_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0016_declaration_list_indexes"),
        ("review", "0012_inspection_list_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspectionassignment",
            name="due_date",
            field=models.DateField(null=True, verbose_name="visit due"),
        ),
        migrations.AddField(
            model_name="inspectionassignment",
            name="draw_order",
            field=models.PositiveIntegerField(null=True, verbose_name="order drawn"),
        ),
        migrations.AddField(
            model_name="inspectionassignment",
            name="is_open",
            field=models.BooleanField(default=True, verbose_name="visit open"),
        ),
        migrations.AddField(
            model_name="inspectionassignment",
            name="region",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="merchants.region",
                verbose_name="county",
            ),
        ),
        migrations.RunPython(copy_visit_order, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="inspectionassignment",
            name="region",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="merchants.region",
                verbose_name="county",
            ),
        ),
        migrations.AlterField(
            model_name="inspectionassignment",
            name="due_date",
            field=models.DateField(verbose_name="visit due"),
        ),
        migrations.AlterField(
            model_name="inspectionassignment",
            name="draw_order",
            field=models.PositiveIntegerField(verbose_name="order drawn"),
        ),
        migrations.AddIndex(
            model_name="inspectionassignment",
            index=models.Index(
                fields=["inspector", "due_date", "draw_order", "inspection", "is_open"],
                name="assignment_inspector_due_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="inspectionassignment",
            index=models.Index(
                condition=Q(is_open=True),
                fields=["inspector", "due_date", "draw_order", "inspection"],
                name="assignment_open_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="inspectionassignment",
            index=models.Index(
                fields=["inspector", "region", "due_date", "inspection"],
                name="assignment_region_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="inspection",
            index=models.Index(
                fields=["id"],
                condition=Q(state__in=OPEN_STATES),
                name="inspection_open_idx",
            ),
        ),
    ]
