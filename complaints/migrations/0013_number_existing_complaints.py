"""Existing complaints get their numbers: per county and year (local time) in the order they
were lodged, 330106-2026-000001 onwards, and each county-year counter is set to the last number
given, so intake continues the sequence. The reverse clears them."""

from collections import defaultdict

from django.db import migrations
from django.utils import timezone


def number(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Counter = apps.get_model("complaints", "ComplaintNumberCounter")
    given: dict[tuple[str, int], int] = defaultdict(int)
    for counter in Counter.objects.all():
        given[(counter.region_id, counter.year)] = counter.given
    changed = []
    rows = (
        Complaint.objects.filter(number="")
        .order_by("created_at", "id")
        .values_list("pk", "region_id", "created_at")
    )
    for pk, region_id, created_at in rows.iterator():
        key = (region_id, timezone.localtime(created_at).year)
        given[key] += 1
        changed.append(Complaint(pk=pk, number=f"{key[0]}-{key[1]}-{given[key]:06d}"))
        if len(changed) >= 1000:
            Complaint.objects.bulk_update(changed, ["number"])
            changed = []
    if changed:
        Complaint.objects.bulk_update(changed, ["number"])
    for (region_id, year), last in given.items():
        Counter.objects.update_or_create(region_id=region_id, year=year, defaults={"given": last})


def unnumber(apps, schema_editor):
    apps.get_model("complaints", "Complaint").objects.update(number="")
    apps.get_model("complaints", "ComplaintNumberCounter").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0012_numbers_channels_lookup")]

    operations = [migrations.RunPython(number, unnumber)]
