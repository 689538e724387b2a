"""Pool-change reasons become messages rendered in the reader's language (PoolChange.message),
the ratings notices likewise; an allowed appeal is held on the standing; runs record their
worker, a note, and may be "skipped".

Existing rows: the message of a pool change is derived from its reason code and evidence where
they hold what it says (a scheme, a score, the triggers, a date, an appeal), and otherwise keeps
the stored text as a `text` message. The ratings inbox messages (pool changes, appeals,
rectifications, nominations) are derived again from the rows they report on."""

import re

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone



def _msg(code, **params):
    return {"code": code, "params": params}


def _text(value):
    return _msg("text", text=value or "")


def _label(msgid):
    return {"t": str(msgid)}


def _day(value):
    return {"d": value.isoformat()}


def _names(name, name_en):
    return {"l": {code: (name_en or name) if code == "en" else name for code, _ in settings.LANGUAGES}}


POOLS = {
    "selection": "Selection pool",
    "cultivation": "Cultivation pool",
    "star_rated": "Star-rated pool",
    "warning": "Warning pool",
    "exited": "Exited",
}


def _place(pool, stars):
    if not pool:
        return _label("not in the programme")
    name = _label(POOLS.get(pool, pool))
    if stars == 1:
        return _msg("ratings.place.one_star", pool=name)
    if stars:
        return _msg("ratings.place.stars", pool=name, stars=stars)
    return name


def _joined(items):
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return _msg("ratings.list", first=items[0], rest=_joined(items[1:]))


def _triggers(codes):
    from ratings.models.evaluation import Trigger

    return _joined(_label(Trigger(c).label) if c in Trigger.values else c for c in codes)


DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
BAND = re.compile(r"[(（](\d+)[)）]")


def _change_message(change, schemes, appeals, decisions):
    code, ev, text = change.reason_code, change.evidence or {}, change.reason
    score = ev.get("score")
    scheme = schemes.get(ev.get("declaration"))
    if code in ("screening_passed", "declaration_approved", "declaration_rejected") and scheme:
        return _msg(f"ratings.change.{code}", scheme=_names(*scheme))
    if code in ("nominated", "warning_cleared"):
        return _msg(f"ratings.change.{code}")
    if code in ("observation_passed", "star_up") and isinstance(score, int):
        return _msg(f"ratings.change.{code}", score=score)
    if code == "stars_down" and isinstance(score, int):
        return _msg("ratings.change.stars_down", score=score, stars=change.to_stars)
    if code == "below_first_band" and isinstance(score, int) and (band := BAND.search(text)):
        return _msg("ratings.change.below_first_band", score=score, band=int(band.group(1)))
    if code == "serious_violation" and ev.get("triggers"):
        return _msg("ratings.change.serious_violation", what=_triggers(ev["triggers"]))
    if code == "warning" and ev.get("triggers") and (due := DATE.search(text)):
        return _msg(
            "ratings.change.warning", what=_triggers(ev["triggers"]), due={"d": due.group(1)}
        )
    if code == "not_rectified" and ev.get("rectify_by"):
        return _msg("ratings.change.not_rectified", due={"d": ev["rectify_by"]})
    if code == "exited_by_regulator" and text:
        return _msg("ratings.change.exited_by_regulator", reason=text)
    if code == "appeal_overturned" and ev.get("appeal") in appeals and ev.get("decision") in decisions:
        return _msg(
            "ratings.change.appeal_overturned",
            date=_day(timezone.localdate(decisions[ev["decision"]])),
            reason=appeals[ev["appeal"]],
        )
    return _text(text)


def changes_to_messages(apps, schema_editor):
    PoolChange = apps.get_model("ratings", "PoolChange")
    Declaration = apps.get_model("merchants", "Declaration")
    Appeal = apps.get_model("ratings", "Appeal")
    schemes = {
        pk: (name, name_en)
        for pk, name, name_en in Declaration.objects.values_list(
            "pk", "scheme__name", "scheme__name_en"
        )
    }
    appeals = dict(Appeal.objects.values_list("pk", "outcome_reason"))
    decisions = dict(
        PoolChange.objects.filter(reason_code__in=[
            "warning", "serious_violation", "not_rectified", "exited_by_regulator",
            "stars_down", "below_first_band",
        ]).values_list("pk", "created_at")
    )
    batch = []
    for change in PoolChange.objects.only("pk", "reason_code", "reason", "evidence", "to_stars").iterator(
        chunk_size=2000
    ):
        change.message = _change_message(change, schemes, appeals, decisions)
        batch.append(change)
        if len(batch) >= 2000:
            PoolChange.objects.bulk_update(batch, ["message"])
            batch = []
    PoolChange.objects.bulk_update(batch, ["message"])


SUBJECTS = {"warning": "ratings.notice.subject.warning", "exited": "ratings.notice.subject.exited"}


def _pool_change_notice(change, merchant_name):
    if change.to_pool in SUBJECTS and change.from_pool != change.to_pool:
        subject = SUBJECTS[change.to_pool]
    elif change.to_pool == change.from_pool:
        subject = "ratings.notice.subject.stars"
    else:
        subject = "ratings.notice.subject.pool"
    return _msg(subject), [
        _move(change, merchant_name),
        _msg("ratings.notice.reason", reason=change.message),
    ]


def _move(change, merchant_name):
    return _msg(
        "ratings.notice.moved",
        merchant=merchant_name,
        **{
            "from": _place(change.from_pool, change.from_stars),
            "to": _place(change.to_pool, change.to_stars),
        },
    )


KEYS = re.compile(
    r"^(?:(pool-change)-(\d+)|(appeal)-(\d+)(-decided)?|(warning-rectification)-(\d+)(-decided)?"
    r"|(nomination)-(\d+))$"
)


def notifications_to_messages(apps, schema_editor):
    Notification = apps.get_model("merchants", "Notification")
    PoolChange = apps.get_model("ratings", "PoolChange")
    Appeal = apps.get_model("ratings", "Appeal")
    Rectification = apps.get_model("ratings", "WarningRectification")
    Nomination = apps.get_model("ratings", "Nomination")
    rows = Notification.objects.filter(
        models.Q(key__startswith="pool-change-")
        | models.Q(key__startswith="appeal-")
        | models.Q(key__startswith="warning-rectification-")
        | models.Q(key__startswith="nomination-")
    )
    batch = []
    for row in rows.iterator(chunk_size=2000):
        found = KEYS.match(row.key)
        if not found:
            continue
        g = found.groups()
        messages = None
        if g[0]:
            change = PoolChange.objects.filter(pk=int(g[1])).select_related("merchant").first()
            if change:
                messages = _pool_change_notice(change, change.merchant.name)
        elif g[2]:
            appeal = (
                Appeal.objects.filter(pk=int(g[3]))
                .select_related("merchant", "decision", "reversal")
                .first()
            )
            if appeal and not g[4]:
                messages = (
                    _msg("ratings.appeal.filed.subject"),
                    _msg(
                        "ratings.appeal.filed.body",
                        merchant=appeal.merchant.name,
                        decision=appeal.decision.message,
                    ),
                )
            elif appeal and appeal.state in ("overturned", "upheld"):
                body = [_text(appeal.outcome_reason)]
                if appeal.reversal is not None:
                    body.append(_move(appeal.reversal, appeal.merchant.name))
                subject = (
                    "ratings.appeal.allowed.subject"
                    if appeal.state == "overturned"
                    else "ratings.appeal.dismissed.subject"
                )
                messages = (_msg(subject), body)
        elif g[5]:
            report = Rectification.objects.filter(pk=int(g[6])).select_related("merchant").first()
            if report and not g[7]:
                messages = (
                    _msg("ratings.rectification.submitted.subject"),
                    _msg("ratings.rectification.submitted.body", merchant=report.merchant.name),
                )
            elif report and report.decision:
                accepted = report.decision == "accepted"
                body = (
                    _text(report.decision_reason)
                    if report.decision_reason
                    else _msg("ratings.rectification.accepted.body")
                )
                messages = (
                    _msg(
                        "ratings.rectification.accepted.subject"
                        if accepted
                        else "ratings.rectification.refused.subject"
                    ),
                    body,
                )
        elif g[8]:
            nomination = Nomination.objects.filter(pk=int(g[9])).first()
            if nomination:
                messages = (
                    _msg("ratings.nomination.subject"),
                    _text(nomination.message)
                    if nomination.message
                    else _msg("ratings.nomination.body"),
                )
        if messages is None:
            continue
        row.subject_message, row.body_message = messages
        batch.append(row)
        if len(batch) >= 500:
            Notification.objects.bulk_update(batch, ["subject_message", "body_message"])
            batch = []
    Notification.objects.bulk_update(batch, ["subject_message", "body_message"])


def run_errors_to_notes(apps, schema_editor):
    EvaluationRun = apps.get_model("ratings", "EvaluationRun")
    for run in EvaluationRun.objects.filter(error__startswith="No sign of life"):
        run.note = _msg(
            "ratings.run.dead.silent",
            heartbeat=f"{timezone.localtime(run.heartbeat_at):%Y-%m-%d %H:%M:%S}",
        )
        run.error = ""
        run.save(update_fields=["note", "error"])



class Migration(migrations.Migration):

    dependencies = [
        ('ratings', '0009_reason_code_choices'),
        ('merchants', '0007_messages_languages_region_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='evaluationrun',
            name='note',
            field=models.JSONField(blank=True, default=dict, verbose_name='note'),
        ),
        migrations.AddField(
            model_name='evaluationrun',
            name='worker',
            field=models.CharField(blank=True, max_length=200, verbose_name='worker'),
        ),
        migrations.AddField(
            model_name='poolchange',
            name='message',
            field=models.JSONField(default=dict, verbose_name='reason'),
        ),
        migrations.AddField(
            model_name='standing',
            name='appeal_held_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='appeal allowed at'),
        ),
        migrations.AddField(
            model_name='standing',
            name='appeal_held_score',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='score when the appeal was allowed'),
        ),
        migrations.AlterField(
            model_name='evaluationrun',
            name='state',
            field=models.CharField(choices=[('running', 'Running'), ('finished', 'Finished'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='running', max_length=10, verbose_name='state'),
        ),
        migrations.RunPython(changes_to_messages, migrations.RunPython.noop),
        migrations.RunPython(notifications_to_messages, migrations.RunPython.noop),
        migrations.RunPython(run_errors_to_notes, migrations.RunPython.noop),
        migrations.RemoveField(model_name="poolchange", name="reason"),
    ]
