"""Texts review writes become message codes rendered in the reader's language: a screening run's
note, an inspection event's system note, screening's and bulk approval's reasons on declaration
events, and the inbox messages of inspections and campaigns. Known texts are recognised in
either language; others are kept as they were written (a `text` message). Screening runs record
their worker, so that the sweep can close the runs of a worker that died (outcome
"interrupted")."""

import datetime
import re

from django.db import migrations, models

from common.messages import TEXT, bilingual, day, label, msg
from merchants.services.messages import (
    declaration_notifications_regenerate,
    label_decoder,
    recognise,
)
from review.messages import (
    BULK_APPROVED,
    CAMPAIGN_CLOSED_BEFORE_VISIT,
    CAMPAIGN_DRAWN,
    CAMPAIGN_DRAWN_SUBJECT,
    INSPECTION_OUTCOME,
    INSPECTION_RESULT_SUBJECT,
    RECTIFICATION_ACCEPTED_SUBJECT,
    RECTIFICATION_REJECTED_SUBJECT,
    RECTIFICATION_WAITING,
    RECTIFICATION_WAITING_SUBJECT,
    RECTIFY_BY,
    SCREENING_FAILED,
    SCREENING_GAVE_UP,
    SCREENING_INCOMPLETE,
    SCREENING_PASSED,
    SCREENING_POINT,
    SCREENING_RETRYING,
    SCREENING_WARNED,
)
from review.models.inspections import InspectionResult, InspectionState
from review.rules.base import SOURCE_LABELS

BATCH = 2000


def _day(value):
    try:
        return day(datetime.date.fromisoformat(value.strip()))
    except ValueError:
        return value


def _sources(value):
    """“registry, quality” or “企业登记、质量” back to the sources, shown in each language."""
    from django.conf import settings
    from django.utils import translation

    names = {  # the English names before they were romanised
        "enterprise registry (浙江企业在线)": "registry",
        "quality system (浙江质量在线)": "quality",
        "food traceability system (浙食链)": "food_chain",
        "cold-chain system (浙冷链)": "cold_chain",
        "law-enforcement system (浙江执法在线)": "enforcement",
    }
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.update({str(text): key for key, text in SOURCE_LABELS.items()})
    keys = [names.get(part.strip()) for part in re.split(r"、|, ", value)]
    if None in keys:
        return value

    def shown():
        zh = (translation.get_language() or "").startswith("zh")
        return ("、" if zh else ", ").join(str(SOURCE_LABELS[k]) for k in keys)

    return bilingual(shown)


def _text(text):
    return msg(TEXT, text=text)


def _lines(text, first_codes, decoders, points):
    """A multi-line reason: the first line a code, then “• reason” lines (each check's reason,
    in both languages when the check is found). None if the first line is not known."""
    lines = text.strip().split("\n")
    first = recognise(lines[0], first_codes, decoders)
    if first is None:
        return None
    messages = [first]
    for line in lines[1:]:
        reason = line.strip().removeprefix("•").strip()
        if not reason:
            continue
        known = points.get(reason)
        messages.append(
            msg(SCREENING_POINT, reason={"l": {"zh-hans": known[0], "en": known[1]}})
            if known
            else msg(SCREENING_POINT, reason=reason)
        )
    return messages


def forwards(apps, schema_editor):
    ScreeningRun = apps.get_model("review", "ScreeningRun")
    ScreeningCheck = apps.get_model("review", "ScreeningCheck")
    InspectionEvent = apps.get_model("review", "InspectionEvent")
    DeclarationEvent = apps.get_model("merchants", "DeclarationEvent")
    Notification = apps.get_model("merchants", "Notification")

    # Screening runs' notes.
    runs = []
    for run in ScreeningRun.objects.exclude(note="").only("pk", "note").iterator(chunk_size=BATCH):
        run.note_message = recognise(run.note, [SCREENING_RETRYING, SCREENING_GAVE_UP]) or _text(
            run.note
        )
        runs.append(run)
    ScreeningRun.objects.bulk_update(runs, ["note_message"], batch_size=BATCH)

    # Inspection events cancelled by a campaign's closing.
    events = []
    for event in InspectionEvent.objects.filter(action="cancelled").exclude(note=""):
        message = recognise(event.note, [CAMPAIGN_CLOSED_BEFORE_VISIT])
        if message is not None:
            event.message, event.note = message, ""
            events.append(event)
    InspectionEvent.objects.bulk_update(events, ["message", "note"], batch_size=BATCH)

    # Declaration events: screening's outcomes (system) and bulk approvals.
    decoders = {"sources": _sources}
    changed = []
    system = DeclarationEvent.objects.filter(
        actor__isnull=True, from_state="screening", message__isnull=True
    ).exclude(reason="")
    points_by_declaration = {}
    system = system.order_by("declaration_id", "pk").only("pk", "declaration_id", "reason")
    for event in system.iterator(chunk_size=BATCH):
        if event.declaration_id not in points_by_declaration:
            points = {}
            for zh, en in ScreeningCheck.objects.filter(
                run__declaration_id=event.declaration_id
            ).values_list("reason_zh", "reason_en"):
                points[zh] = points[en] = (zh, en)
            points_by_declaration = {event.declaration_id: points}  # one declaration at a time
        message = recognise(event.reason, [SCREENING_GAVE_UP, SCREENING_PASSED]) or _lines(
            event.reason,
            [SCREENING_FAILED, SCREENING_WARNED, SCREENING_INCOMPLETE],
            decoders,
            points_by_declaration[event.declaration_id],
        )
        if message is not None:
            event.message, event.reason = message, ""
            changed.append(event)
    for event in DeclarationEvent.objects.filter(to_state="approved", message__isnull=True).exclude(
        reason=""
    ):
        message = recognise(event.reason, [BULK_APPROVED])
        if message is not None:
            event.message, event.reason = message, ""
            changed.append(event)
    DeclarationEvent.objects.bulk_update(changed, ["message", "reason"], batch_size=BATCH)
    declaration_notifications_regenerate(apps, [event.pk for event in changed])

    # Inbox messages of inspections and campaigns (kept as text by merchants' 0007).
    results = {"result": label_decoder(InspectionResult.labels)}
    states = {
        "state": label_decoder(InspectionState.labels),
        "date": _day,
        "due": _day,
    }
    kinds = [
        (
            r"^inspection-\d+-(recorded|accepted|rejected)-\d+$",
            [
                INSPECTION_RESULT_SUBJECT,
                RECTIFICATION_ACCEPTED_SUBJECT,
                RECTIFICATION_REJECTED_SUBJECT,
            ],
            results,
            [INSPECTION_OUTCOME, RECTIFY_BY],
            states,
        ),
        (
            r"^inspection-\d+-rectification-\d+$",
            [RECTIFICATION_WAITING_SUBJECT],
            {},
            [RECTIFICATION_WAITING],
            {},
        ),
        (r"^campaign-\d+-drawn$", [CAMPAIGN_DRAWN_SUBJECT], {}, [CAMPAIGN_DRAWN], {"due": _day}),
    ]
    rows = []
    candidates = Notification.objects.filter(
        models.Q(key__startswith="inspection-") | models.Q(key__startswith="campaign-"),
        subject_message__code=TEXT,
    )
    for row in candidates.iterator(chunk_size=BATCH):
        for pattern, subject_codes, subject_decoders, body_codes, body_decoders in kinds:
            if not re.match(pattern, row.key):
                continue
            subject = recognise(
                row.subject_message["params"]["text"], subject_codes, subject_decoders
            )
            body_text = (row.body_message.get("params") or {}).get("text", "")
            body = [
                recognise(line, body_codes, body_decoders) or _text(line)
                for line in body_text.split("\n")
                if line.strip()
            ]
            if subject is not None:
                row.subject_message = subject
            if body and any(part["code"] != TEXT for part in body):
                row.body_message = body if len(body) > 1 else body[0]
            rows.append(row)
            break
    Notification.objects.bulk_update(rows, ["subject_message", "body_message"], batch_size=BATCH)


def backwards(apps, schema_editor):
    from common.messages import render

    ScreeningRun = apps.get_model("review", "ScreeningRun")
    InspectionEvent = apps.get_model("review", "InspectionEvent")
    runs = []
    for run in ScreeningRun.objects.filter(note_message__isnull=False):
        run.note = render(run.note_message)
        runs.append(run)
    ScreeningRun.objects.bulk_update(runs, ["note"], batch_size=BATCH)
    ScreeningRun.objects.filter(outcome="interrupted").update(outcome="")
    events = []
    for event in InspectionEvent.objects.filter(message__isnull=False):
        event.note = "\n".join(filter(None, (render(event.message), event.note)))
        events.append(event)
    InspectionEvent.objects.bulk_update(events, ["note"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0005_campaign_pools"),
        ("merchants", "0008_declaration_event_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspectionevent",
            name="message",
            field=models.JSONField(
                blank=True,
                help_text="What the system wrote: a message code, shown in the reader's language.",
                null=True,
                verbose_name="system message",
            ),
        ),
        migrations.AlterField(
            model_name="inspectionevent",
            name="note",
            field=models.TextField(
                blank=True,
                help_text="The note as the person who acted typed it.",
                verbose_name="note",
            ),
        ),
        migrations.AddField(
            model_name="screeningrun",
            name="note_message",
            field=models.JSONField(
                blank=True,
                help_text="What the system noted, as a message code shown in the reader's language.",
                null=True,
                verbose_name="note",
            ),
        ),
        migrations.AddField(
            model_name="screeningrun",
            name="worker_host",
            field=models.CharField(
                blank=True,
                help_text="Where the run was made: a run whose worker is gone is closed by the sweep.",
                max_length=100,
                verbose_name="worker host",
            ),
        ),
        migrations.AddField(
            model_name="screeningrun",
            name="worker_pid",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="worker process"),
        ),
        migrations.AlterField(
            model_name="screeningrun",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("pass", "Passed"),
                    ("warn", "Passed with warnings"),
                    ("fail", "Failed"),
                    ("incomplete", "Incomplete"),
                    ("interrupted", "Interrupted"),
                ],
                help_text="Empty while the run is in progress (or if it crashed).",
                max_length=12,
                verbose_name="outcome",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="screeningrun", name="note"),
    ]
