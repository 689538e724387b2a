"""The complaint-count screening rule gets a row for every scheme, like the others (0002), so
the scheme's admin page lists it; its defaults: warn, 90 days, 3 open, 10 recent."""

from django.db import migrations

RULE = "complaints_under_thresholds"


def seed(apps, schema_editor):
    Scheme = apps.get_model("merchants", "Scheme")
    Setting = apps.get_model("review", "ScreeningRuleSetting")
    Setting.objects.bulk_create(
        [
            Setting(scheme=scheme, rule=RULE, enabled=True, on_breach="", params={}, order=11)
            for scheme in Scheme.objects.all()
        ],
        ignore_conflicts=True,
    )


def unseed(apps, schema_editor):
    apps.get_model("review", "ScreeningRuleSetting").objects.filter(rule=RULE).delete()


class Migration(migrations.Migration):
    dependencies = [("review", "0008_user_input_bounds"), ("merchants", "0011_user_input_bounds")]

    operations = [migrations.RunPython(seed, unseed)]
