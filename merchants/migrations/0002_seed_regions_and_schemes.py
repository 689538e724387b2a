from django.db import migrations

from merchants.seed import load_regions, load_schemes


def seed(apps, schema_editor):
    load_regions(apps.get_model("merchants", "Region"))
    load_schemes(
        apps.get_model("merchants", "Scheme"),
        apps.get_model("merchants", "Commitment"),
        apps.get_model("merchants", "RequiredDocument"),
    )


class Migration(migrations.Migration):
    dependencies = [("merchants", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
