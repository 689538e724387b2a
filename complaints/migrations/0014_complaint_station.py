"""A complaint lodged at a village liaison station records the station (only with the channel
"station"); the first step of a complaint filed for a caller is the filer's ("filer"), labelled
by who filed it, instead of a regulator's. Existing filings are relabelled; the reverse gives
them back to the regulator's side."""

import django.db.models.deletion
from django.db import migrations, models

ROLE_WHO = {"coordinator": "Coordinator", "regulator": "Regulator", "admin": "Administrator"}


def _who(role: str, channel: str) -> str:
    if role == "regulator" and channel == "hotline":
        return "Hotline operator"
    return ROLE_WHO.get(role, "Regulator")


def relabel_filings(apps, schema_editor):
    ComplaintEvent = apps.get_model("complaints", "ComplaintEvent")
    events = (
        ComplaintEvent.objects.filter(
            role="regulator",
            from_state="",
            to_state="submitted",
            complaint__lodged_by__isnull=False,
            actor_id=models.F("complaint__lodged_by_id"),
        )
        .select_related("actor", "complaint")
        .order_by("pk")
    )
    changed = []
    for event in events.iterator(chunk_size=1000):
        actor = event.actor
        event.role = "filer"
        event.message = {
            "code": "complaints.filed_for_caller",
            "params": {
                "role": {"t": _who(actor.role, event.complaint.channel)},
                "name": {"p": [actor.last_name or "", actor.first_name or "", actor.username]},
            },
        }
        changed.append(event)
        if len(changed) >= 1000:
            ComplaintEvent.objects.bulk_update(changed, ["role", "message"])
            changed = []
    if changed:
        ComplaintEvent.objects.bulk_update(changed, ["role", "message"])


def unlabel_filings(apps, schema_editor):
    ComplaintEvent = apps.get_model("complaints", "ComplaintEvent")
    ComplaintEvent.objects.filter(role="filer").update(role="regulator", message={})


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0013_number_existing_complaints"),
        ("merchants", "0012_liaison_stations"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="station",
            field=models.ForeignKey(
                blank=True,
                help_text="The village liaison station it was lodged at, by a coordinator serving it.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="complaints",
                to="merchants.station",
                verbose_name="liaison station",
            ),
        ),
        migrations.AlterField(
            model_name="complaintevent",
            name="role",
            field=models.CharField(
                choices=[
                    ("consumer", "Consumer"),
                    ("merchant", "Merchant"),
                    ("regulator", "Regulator"),
                    ("filer", "Filed for the caller"),
                    ("system", "System"),
                ],
                max_length=10,
                verbose_name="by",
            ),
        ),
        migrations.AddConstraint(
            model_name="complaint",
            constraint=models.CheckConstraint(
                condition=models.Q(("station__isnull", True), ("channel", "station"), _connector="OR"),
                name="complaint_station_only_for_station_channel",
                violation_error_message="A liaison station is recorded only for a complaint lodged at a station.",
            ),
        ),
        migrations.RunPython(relabel_filings, unlabel_filings, elidable=True),
    ]
