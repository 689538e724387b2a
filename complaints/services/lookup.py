"""Finding a complaint again by its number and the consumer's phone, for a consumer who lost
the tracking link: a one-time code is sent by SMS to that phone, and the code opens the
tracking page.

Nothing tells whether a number and phone name a complaint: asking for a code answers the same,
and counts against the same limits, either way; a wrong, expired, used or exhausted code and an
unknown pair are refused with the same words. The code is stored only as a keyed hash, is good
for 10 minutes and 5 wrong attempts, and only the latest one sent counts.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from common.errors import DomainError, Limited
from common.limits import LimitExceeded, limits_use, phone_and_address
from common.messages import msg
from common.outbox import outbox_add
from common.phones import phone_key
from complaints import messages as m
from complaints.models import Complaint, ComplaintLookupCode

CODE_MINUTES = 10
MAX_ATTEMPTS = 5


def _refused() -> DomainError:
    return DomainError(
        _(
            "The code is wrong or no longer valid. Check the number and phone, or ask for a "
            "new code."
        )
    )


def lookup_sent_text() -> str:
    """The answer to every request for a code, whether a complaint matched or not."""
    return _(
        "If the number and phone match a complaint, a 6-digit code is on its way to that phone "
        "by SMS. It is good for %(minutes)d minutes."
    ) % {"minutes": CODE_MINUTES}


def _hash(complaint_id: int, code: str) -> str:
    return salted_hmac(
        "complaints.lookup", f"{complaint_id}:{code}", algorithm="sha256"
    ).hexdigest()


def _number(value: str) -> str:
    return value.strip().upper()[:24]


def _limited(exc: LimitExceeded) -> Limited:
    return Limited(
        _("Too many codes asked for in the last %(window)s. Try again later, or call 12315.")
        % {"window": exc.window_text}
    )


def complaint_lookup_request(*, number: str, phone: str, ip: str | None) -> None:
    """If `number` and `phone` name a complaint, send a one-time code to the phone. Returns
    nothing either way; refuses with Limited past the per-phone or per-address limits."""
    stored_phone = phone_key(phone)
    try:
        use = limits_use(
            phone_and_address(
                "lookup",
                phone=stored_phone,
                ip=ip,
                per_phone=settings.COMPLAINT_LOOKUP_LIMITS,
                per_address=settings.COMPLAINT_LOOKUP_ADDRESS_LIMITS,
            )
        )
        with transaction.atomic():
            complaint = (
                Complaint.objects.filter(number=_number(number), complainant_phone=stored_phone)
                .only("pk", "number", "complainant_phone")
                .first()
            )
            if complaint is not None and complaint.number:
                _send_code(complaint)
            use.count()
    except LimitExceeded as exc:
        raise _limited(exc) from None


def _send_code(complaint: Complaint) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    ComplaintLookupCode.objects.create(
        complaint=complaint,
        code_hash=_hash(complaint.pk, code),
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    body = msg(m.SMS_LOOKUP_CODE, number=complaint.number, passcode=code, minutes=CODE_MINUTES)
    language = translation.get_language() or settings.LANGUAGE_CODE
    outbox_add(
        "sms",
        {"to": complaint.complainant_phone, "body": body, "language": language},
        secret=True,
    )


def complaint_lookup_verify(*, number: str, phone: str, code: str) -> Complaint:
    """The complaint the code opens (the code is then used up); the same DomainError for a
    wrong, expired, used or exhausted code and for a number and phone that name no complaint."""
    stored_phone = phone_key(phone)
    code = code.strip()
    now = timezone.now()
    with transaction.atomic():
        latest = (
            ComplaintLookupCode.objects.select_for_update()
            .filter(complaint__number=_number(number), complaint__complainant_phone=stored_phone)
            .order_by("-created_at", "-id")
            .first()
        )
        if (
            latest is None
            or latest.used_at is not None
            or latest.expires_at <= now
            or latest.attempts >= MAX_ATTEMPTS
        ):
            raise _refused()
        if not constant_time_compare(latest.code_hash, _hash(latest.complaint_id, code)):
            latest.attempts += 1
            latest.save(update_fields=["attempts"])
            matched = None
        else:
            latest.used_at = now
            latest.save(update_fields=["used_at"])
            matched = Complaint.objects.get(pk=latest.complaint_id)
    if matched is None:  # outside the transaction, so the wrong attempt stays counted
        raise _refused()
    return matched
