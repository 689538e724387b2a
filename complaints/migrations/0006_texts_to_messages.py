"""Existing rows to message codes (complaints/messages.py), rendered in the reader's language.

- Timeline events: the texts the system wrote — in English or in Chinese, whichever language
  the actor's page had — are recognised (the literal lists below, plus the translation
  catalogue of the day) and stored as their code; what a person typed stays in `text`. A rating
  keeps its comment as text; a declined step gets its legal ground as a message. A text not
  recognised is left as typed.
- Inbox messages keyed complaint-event:*, complaint-overdue:*, complaint-silent:* (kept as
  `text` messages by merchants 0007) are derived again from their complaint and event.
- Disclosure dates seeded with English names get their Chinese name, the English one kept in
  `name_en`; a preview already open counts its window from the day its snapshot was built.
"""

import re

from django.db import migrations
from django.utils import timezone, translation
from django.utils.translation import gettext

CLAIMED = "complaints.claimed"
PROPOSAL_ACCEPTED = "complaints.proposal_accepted"
SILENT = "complaints.silent"
RATED = "complaints.rated"
DECLINED = "complaints.declined"
STEP_SUBJECT = "complaints.step.subject"
OVERDUE_SUBJECT = "complaints.overdue.subject"
OVERDUE_BODY = "complaints.overdue.body"
TEXT = "text"

# The English msgid and the Chinese translation each text had when it was stored.
KNOWN = {
    CLAIMED: ("%(name)s handles this complaint.", "%(name)s 承办该投诉。"),
    PROPOSAL_ACCEPTED: (
        "The consumer accepted the merchant's proposal.",
        "消费者已接受商户的和解方案。",
    ),
    SILENT: (
        "No answer by the due date: the regulator mediates.",
        "商户逾期未答复，转由监管部门调解。",
    ),
    RATED: ("Rated %(n)d of 5. %(comment)s", "评价 %(n)d 分（满分 5 分）。%(comment)s"),
}

DECLINE_GROUNDS = {
    "not_consumer_dispute": ("Not a consumer dispute", "不属于消费者权益争议"),
    "too_old": ("More than three years since the dispute arose", "自争议发生之日起已超过三年"),
    "handled_elsewhere": (
        "Already handled by a court, arbitration or another body",
        "法院、仲裁机构或其他部门已受理或处理",
    ),
    "missing_details": (
        "Details missing: no merchant, facts or request",
        "缺少被投诉人、具体事实或投诉请求",
    ),
    "other": ("Other (explained)", "其他（需说明）"),
}

STATE_LABELS = {
    "submitted": "Submitted",
    "accepted": "Accepted",
    "declined": "Declined",
    "with_merchant": "With the merchant",
    "proposed": "Settlement proposed",
    "mediation": "In mediation",
    "settled": "Settled",
    "mediation_failed": "Mediation failed",
    "withdrawn": "Withdrawn",
}

DISCLOSURE_NAMES = {
    "National Day": "国庆节",
    "Spring Festival": "春节",
    "Consumer Rights Day (3·15)": "3·15国际消费者权益日",
    "May Day": "劳动节",
}

CJK = re.compile(r"[\u3400-\u9fff]")


def _pattern(template: str) -> re.Pattern:
    """A stored text's template as a regular expression with its parameters as groups."""
    parts = re.split(r"(%\(\w+\)[sd])", template)
    regex = ""
    for part in parts:
        match = re.fullmatch(r"%\((\w+)\)([sd])", part)
        if match is None:
            regex += re.escape(part)
        elif match.group(2) == "d":
            regex += rf"(?P<{match.group(1)}>\d+)"
        else:
            regex += rf"(?P<{match.group(1)}>.*?)"
    return re.compile(rf"^{regex}\s*$", re.DOTALL)


def _patterns() -> dict[str, list[re.Pattern]]:
    patterns = {}
    for code, (english, chinese) in KNOWN.items():
        templates = {english, chinese}
        with translation.override("zh-hans"):
            templates.add(gettext(english))
        patterns[code] = [_pattern(t) for t in templates]
        if code == RATED:  # a rating without a comment was stored with its trailing space cut
            patterns[code] += [_pattern(t.replace(" %(comment)s", "")) for t in templates]
    return patterns


def _grounds() -> dict[str, str]:
    """Every text a decline ground was stored as → its English label (the msgid)."""
    grounds = {}
    for english, chinese in DECLINE_GROUNDS.values():
        with translation.override("zh-hans"):
            current = gettext(english)
        for text in (english, chinese, current):
            grounds[text] = english
    return grounds


def _msg(code, **params):
    return {"code": code, "params": params}


def _person(user, fallback: str) -> dict:
    if user is None:
        return {"p": ["", "", fallback]}
    return {"p": [user.last_name or "", user.first_name or "", user.username]}


def _convert(event, patterns, grounds, users) -> bool:
    """Set the event's message from its text; True if it changed."""
    text = event.text.strip()
    if event.message:
        return False
    if event.to_state == "declined":
        if text in grounds:
            event.message = _msg(DECLINED, ground={"t": grounds[text]})
            event.text = ""
            return True
        return _decline_ground(event)
    if not text:
        return False
    for code, candidates in patterns.items():
        for pattern in candidates:
            match = pattern.match(text)
            if match is None:
                continue
            values = match.groupdict()
            if code == CLAIMED:
                event.message = _msg(
                    CLAIMED, name=_person(users.get(event.actor_id), values["name"].strip())
                )
                event.text = ""
            elif code == RATED:
                event.message = _msg(RATED, n=int(values["n"]))
                event.text = (values.get("comment") or "").strip()
            else:
                event.message = _msg(code)
                event.text = ""
            return True
    return False


def _decline_ground(event) -> bool:
    ground = event.complaint.decline_ground
    if ground not in DECLINE_GROUNDS:
        return False
    event.message = _msg(DECLINED, ground={"t": DECLINE_GROUNDS[ground][0]})
    return True


def events_to_messages(apps, schema_editor):
    ComplaintEvent = apps.get_model("complaints", "ComplaintEvent")
    User = apps.get_model("merchants", "User")
    patterns, grounds = _patterns(), _grounds()
    users = {}
    batch = []
    events = ComplaintEvent.objects.select_related("complaint").order_by("pk")
    for event in events.iterator(chunk_size=2000):
        if event.actor_id and event.actor_id not in users:
            users[event.actor_id] = User.objects.filter(pk=event.actor_id).first()
        if _convert(event, patterns, grounds, users):
            batch.append(event)
        if len(batch) >= 1000:
            ComplaintEvent.objects.bulk_update(batch, ["message", "text"])
            batch = []
    ComplaintEvent.objects.bulk_update(batch, ["message", "text"])


def _step_subject(complaint_id: int, state: str) -> dict:
    return _msg(STEP_SUBJECT, id=complaint_id, state={"t": STATE_LABELS.get(state, state)})


def notifications_to_messages(apps, schema_editor):
    Notification = apps.get_model("merchants", "Notification")
    ComplaintEvent = apps.get_model("complaints", "ComplaintEvent")
    batch = []
    rows = Notification.objects.filter(key__startswith="complaint-").order_by("pk")
    for row in rows.iterator(chunk_size=2000):
        kind, _sep, ident = row.key.partition(":")
        if not ident.isdigit():
            continue
        pk = int(ident)
        if kind == "complaint-event":
            event = ComplaintEvent.objects.filter(pk=pk).first()
            if event is None or not event.to_state:
                continue
            subject = _step_subject(event.complaint_id, event.to_state)
            body = [event.message] if event.message else []
            if event.text:
                body.append(_msg(TEXT, text=event.text))
            row.subject_message, row.body_message = subject, body or [subject]
        elif kind == "complaint-overdue":
            row.subject_message = _msg(OVERDUE_SUBJECT)
            row.body_message = _msg(OVERDUE_BODY, id=pk)
        elif kind == "complaint-silent":
            row.subject_message = _step_subject(pk, "mediation")
            row.body_message = _msg(SILENT)
        else:
            continue
        batch.append(row)
        if len(batch) >= 1000:
            Notification.objects.bulk_update(batch, ["subject_message", "body_message"])
            batch = []
    Notification.objects.bulk_update(batch, ["subject_message", "body_message"])


def disclosure_names(apps, schema_editor):
    DisclosureDate = apps.get_model("complaints", "DisclosureDate")
    for row in DisclosureDate.objects.filter(name_en=""):
        if row.name in DISCLOSURE_NAMES:
            row.name_en, row.name = row.name, DISCLOSURE_NAMES[row.name]
        elif not CJK.search(row.name):
            row.name_en = row.name  # an English name: the Chinese one is for an admin to add
        else:
            continue
        row.save(update_fields=["name", "name_en"])


def preview_windows(apps, schema_editor):
    DisclosureSnapshot = apps.get_model("complaints", "DisclosureSnapshot")
    for snapshot in DisclosureSnapshot.objects.filter(state="preview", preview_opened_on=None):
        snapshot.preview_opened_on = timezone.localdate(snapshot.created_at)
        snapshot.save(update_fields=["preview_opened_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0005_messages_languages_disclosure_preview"),
        ("merchants", "0007_messages_languages_region_names"),
    ]

    operations = [
        migrations.RunPython(events_to_messages, migrations.RunPython.noop),
        migrations.RunPython(notifications_to_messages, migrations.RunPython.noop),
        migrations.RunPython(disclosure_names, migrations.RunPython.noop),
        migrations.RunPython(preview_windows, migrations.RunPython.noop),
    ]
