"""Version 1 of the evaluation policy: the defaults of DESIGN.md (the model's field defaults)."""

from django.db import migrations


def seed(apps, schema_editor):
    EvaluationPolicy = apps.get_model("ratings", "EvaluationPolicy")
    if not EvaluationPolicy.objects.exists():
        EvaluationPolicy.objects.create(version=1, note="Defaults of DESIGN.md")


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_evaluation_and_pools")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
