"""Messages become codes with parameters (rendered in the reader's language); accounts get a
language and a choice of complaint notices; regions get English names.

Existing inbox messages keep their text as a `text` message (common/messages.py): their language
cannot be known for sure from the text alone; later migrations of each app re-derive the
messages they can from the rows they report on."""

from django.conf import settings
from django.db import migrations, models

from merchants.seed import load_regions


def texts_to_messages(apps, schema_editor):
    Notification = apps.get_model("merchants", "Notification")
    batch = []
    for row in Notification.objects.only("pk", "subject", "body").iterator(chunk_size=2000):
        row.subject_message = {"code": "text", "params": {"text": row.subject}}
        row.body_message = {"code": "text", "params": {"text": row.body}}
        batch.append(row)
        if len(batch) >= 2000:
            Notification.objects.bulk_update(batch, ["subject_message", "body_message"])
            batch = []
    Notification.objects.bulk_update(batch, ["subject_message", "body_message"])


def region_names(apps, schema_editor):
    load_regions(apps.get_model("merchants", "Region"))


class Migration(migrations.Migration):
    dependencies = [("merchants", "0006_scheme_kind_choices_from_registry")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="subject_message",
            field=models.JSONField(
                default=dict, help_text="A message code and its parameters.", verbose_name="subject"
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="body_message",
            field=models.JSONField(
                default=dict,
                help_text="A message code and its parameters, or a list.",
                verbose_name="message",
            ),
        ),
        migrations.RunPython(texts_to_messages, migrations.RunPython.noop),
        migrations.RemoveField(model_name="notification", name="subject"),
        migrations.RemoveField(model_name="notification", name="body"),
        migrations.AddField(
            model_name="region",
            name="name_en",
            field=models.CharField(blank=True, max_length=50, verbose_name="name (English)"),
        ),
        migrations.AlterField(
            model_name="region",
            name="name",
            field=models.CharField(max_length=50, verbose_name="name (Chinese)"),
        ),
        migrations.RunPython(region_names, migrations.RunPython.noop),
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=settings.LANGUAGES,
                help_text="Messages and mail to this person are written in it; empty: the site's.",
                max_length=10,
                verbose_name="language",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="complaint_notices",
            field=models.CharField(
                choices=[
                    ("each", "A message for each new complaint"),
                    ("digest", "One daily digest"),
                ],
                default="each",
                help_text="Complaint handlers: how they hear of new complaints in their region.",
                max_length=10,
                verbose_name="new complaints",
            ),
        ),
    ]
