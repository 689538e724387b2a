"""Telling people of an outcome: an inbox row each, then one e-mail each, in their language.

Rows are written in the same transaction as the event they report, with subject and body as
message codes (common/messages.py); the unique (user, key) pair makes a repeat a no-op. The
mail is an outbox item (common/outbox.py) recorded in the same transaction: delivered after the
commit, again later if the mail server or the broker was down, and rendered in each reader's
account language when it is sent. A row is marked mailed only once its mail has gone out.
"""

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from common.messages import Message, bilingual, define, label, msg
from common.outbox import handler, outbox_add
from merchants.models import DeclarationEvent, DeclarationState, Membership, Notification

S = DeclarationState
SUBJECTS = {
    S.SCREENING_FAILED: define(
        "declaration.subject.screening_failed",
        gettext_noop("Your declaration did not pass the automatic screening"),
    ),
    S.APPROVED: define(
        "declaration.subject.approved", gettext_noop("Your declaration is approved")
    ),
    S.REJECTED: define(
        "declaration.subject.rejected", gettext_noop("Your declaration is rejected")
    ),
    S.RETURNED: define(
        "declaration.subject.returned", gettext_noop("Your declaration is returned for amendment")
    ),
    S.REVOKED: define("declaration.subject.revoked", gettext_noop("Your approval is revoked")),
}
OUTCOME = define("declaration.outcome", gettext_noop("%(merchant)s — %(scheme)s: %(state)s."))
REASON = define("declaration.reason", gettext_noop("Reason: %(reason)s"))


def declaration_event_messages(event: Any) -> tuple[Message, list[Message]]:
    """The subject and body telling the merchant's people of a declaration's outcome: the
    outcome, the system's reason (the event's message), then the reason the person typed."""
    declaration = event.declaration
    scheme = declaration.scheme
    body = [
        msg(
            OUTCOME,
            merchant=declaration.merchant.name,
            scheme=bilingual(lambda: scheme.display_name),
            state=label(DeclarationState(event.to_state).label),
        )
    ]
    if event.message:
        lines = event.message if isinstance(event.message, list) else [event.message]
        body += [msg(REASON, reason=lines[0]), *lines[1:]]
    if event.reason:
        body.append(msg(REASON, reason=event.reason))
    return msg(SUBJECTS[event.to_state]), body


def notify_users(
    *,
    user_ids: list[int],
    key: str,
    subject: Message,
    body: Message | list[Message],
    link: str,
    merchant_id: int | None = None,
    declaration_id: int | None = None,
) -> None:
    """Write an inbox message for each of these people; mail them after commit."""
    notify_rows(
        [
            Notification(
                user_id=user_id,
                merchant_id=merchant_id,
                declaration_id=declaration_id,
                key=key,
                subject_message=subject,
                body_message=body,
                link=link,
            )
            for user_id in dict.fromkeys(user_ids)
        ]
    )


def notify_rows(rows: list[Notification]) -> None:
    """Write these inbox messages (each may differ: per person, per merchant) in one statement,
    a repeat of a (user, key) pair being a no-op, and record the mail of their keys in the
    outbox: the one way in for callers that tell many people different things at once."""
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    notifications_mail(list(dict.fromkeys(row.key for row in rows)))


def notifications_mail(keys: list[str]) -> None:
    """Record in the outbox the mail of the inbox messages with these keys, written already
    (by notify_rows, or by a caller that writes its rows in SQL of its own)."""
    if keys:
        outbox_add("notification-mail", {"keys": keys})


def notify_merchant_members(
    *,
    merchant_id: int,
    key: str,
    subject: Message,
    body: Message | list[Message],
    link: str,
    declaration_id: int | None = None,
) -> None:
    """Write an inbox message for each member of the merchant; mail them after commit."""
    notify_users(
        user_ids=list(
            Membership.objects.filter(merchant_id=merchant_id).values_list("user_id", flat=True)
        ),
        key=key,
        subject=subject,
        body=body,
        link=link,
        merchant_id=merchant_id,
        declaration_id=declaration_id,
    )


def notify_declaration_event(*, event: DeclarationEvent) -> None:
    declaration = event.declaration
    subject, body = declaration_event_messages(event)
    notify_merchant_members(
        merchant_id=declaration.merchant_id,
        key=f"declaration-event:{event.pk}",
        subject=subject,
        body=body,
        link=reverse("declaration-detail", args=[declaration.pk]),
        declaration_id=declaration.pk,
    )


def notification_send_emails(*, key: str | list[str]) -> int:
    """Mail every notification with this key (or these keys) not mailed yet, each in its
    reader's language; returns how many were sent."""
    sent = 0
    keys = [key] if isinstance(key, str) else key
    pending = Notification.objects.filter(
        key__in=keys, emailed_at__isnull=True, user__email__gt=""
    ).select_related("user")
    for notification in pending.iterator(chunk_size=500):
        user = notification.user
        with translation.override(user.reading_language):
            subject, body = notification.subject, notification.body
        url = settings.SITE_URL.rstrip("/") + notification.link
        send_mail(subject, f"{body}\n\n{url}", None, [user.email])
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


@handler("notification-mail")
def _notification_mail(payload: dict[str, Any]) -> None:
    notification_send_emails(key=payload["keys"])


def notification_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
