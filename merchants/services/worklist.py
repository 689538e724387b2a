"""The daily work-list digest: each regulator who wants it (User.worklist_digest) and has work
waiting gets one inbox message, mailed in their language, listing each kind of work and its
count. The message is keyed by the day, so a second run the same day sends nothing more."""

from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from common.messages import Message, day, label, msg
from merchants.models import Notification, User
from merchants.services import messages as m
from merchants.services.notifications import notify_users
from merchants.worklist import WorkItem, worklist_items


def worklist_digest_key(today: date) -> str:
    return f"worklist-digest:{today.isoformat()}"


def worklist_digest_recipients(*, today: date) -> QuerySet[User]:
    """Active regulators who want the digest and were not sent today's yet."""
    return (
        User.objects.filter(
            role=User.Role.REGULATOR,
            is_active=True,
            region__isnull=False,
            worklist_digest=True,
        )
        .exclude(
            pk__in=Notification.objects.filter(key=worklist_digest_key(today)).values("user_id")
        )
        .select_related("region")
        .order_by("pk")
    )


def worklist_digest_lines(items: list[WorkItem]) -> list[Message]:
    return [msg(m.WORKLIST_LINE, label=label(item.label), count=item.count_text) for item in items]


def worklist_digest_send(*, today: date | None = None) -> int:
    """Send today's digest to every opted-in regulator with a non-empty work list; returns how
    many were sent. Each message is written in its own transaction with its mail in the outbox."""
    today = today or timezone.localdate()
    key = worklist_digest_key(today)
    link = reverse("worklist")
    sent = 0
    for user in worklist_digest_recipients(today=today).iterator(chunk_size=200):
        items = worklist_items(user=user, today=today)
        if not items:
            continue
        with transaction.atomic():
            notify_users(
                user_ids=[user.pk],
                key=key,
                subject=msg(m.WORKLIST_SUBJECT, day=day(today)),
                body=worklist_digest_lines(items),
                link=link,
            )
        sent += 1
    return sent
