"""Telling the merchant's people of an outcome: an inbox row each, then one e-mail each.

Rows are written in the same transaction as the event they report; the unique (user, key) pair
makes a repeat a no-op. E-mail goes after commit, through a Celery task (the request or run that
wrote the rows does not wait for the mail server), and each row is claimed with a conditional
update before sending, so no message is mailed twice.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from merchants.models import DeclarationEvent, DeclarationState, Membership, Notification

SUBJECTS = {
    DeclarationState.SCREENING_FAILED: gettext_noop(
        "Your declaration did not pass the automatic screening"
    ),
    DeclarationState.APPROVED: gettext_noop("Your declaration is approved"),
    DeclarationState.REJECTED: gettext_noop("Your declaration is rejected"),
    DeclarationState.RETURNED: gettext_noop("Your declaration is returned for amendment"),
    DeclarationState.REVOKED: gettext_noop("Your approval is revoked"),
}


def _message(event: DeclarationEvent) -> tuple[str, str]:
    declaration = event.declaration
    subject = _(SUBJECTS[event.to_state])
    body = _("%(merchant)s — %(scheme)s: %(state)s.") % {
        "merchant": declaration.merchant.name,
        "scheme": declaration.scheme.display_name,
        "state": DeclarationState(event.to_state).label,
    }
    if event.reason:
        body += "\n" + _("Reason: %(reason)s") % {"reason": event.reason}
    return subject, body


def notify_merchant_members(
    *,
    merchant_id: int,
    key: str,
    subject: str,
    body: str,
    link: str,
    declaration_id: int | None = None,
) -> list[Notification]:
    """Write an inbox message for each member of the merchant; mail them after commit."""
    members = Membership.objects.filter(merchant_id=merchant_id).select_related("user")
    rows = [
        Notification(
            user=m.user,
            merchant_id=merchant_id,
            declaration_id=declaration_id,
            key=key,
            subject=subject,
            body=body,
            link=link,
        )
        for m in members
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    notification_emails_after_commit(key)
    return rows


def notification_emails_after_commit(key: str | list[str]) -> None:
    """Mail the notifications with this key (or these keys) once the transaction commits, in a
    Celery task (run at once where tasks run eagerly)."""
    from merchants.tasks import notification_emails_send  # that module imports this one

    keys = [key] if isinstance(key, str) else list(key)
    transaction.on_commit(lambda: notification_emails_send.delay(keys))


def notify_declaration_event(*, event: DeclarationEvent) -> list[Notification]:
    declaration = event.declaration
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = _message(event)
    return notify_merchant_members(
        merchant_id=declaration.merchant_id,
        key=f"declaration-event:{event.pk}",
        subject=subject,
        body=body,
        link=reverse("declaration-detail", args=[declaration.pk]),
        declaration_id=declaration.pk,
    )


def notification_send_emails(*, key: str | list[str]) -> int:
    """Mail every notification with this key (or these keys) not mailed yet; returns how many
    were sent."""
    sent = 0
    keys = [key] if isinstance(key, str) else key
    pending = Notification.objects.filter(key__in=keys, emailed_at__isnull=True).select_related(
        "user"
    )
    for notification in pending:
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed or not notification.user.email:
            continue
        url = settings.SITE_URL.rstrip("/") + notification.link
        send_mail(
            notification.subject, f"{notification.body}\n\n{url}", None, [notification.user.email]
        )
        sent += 1
    return sent


def notification_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
