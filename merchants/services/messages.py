"""Message codes of the texts the merchants app writes (common/messages.py), and a helper that
recognises old stored texts, in either language, as one of the codes (for data migrations)."""

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from common.messages import CATALOG, TEXT, Message, define, label, msg

# Declaration events written by the system (or a fixed text on a person's action).
RESUBMITTED = define("declaration.resubmitted", gettext_noop("Resubmitted after amendment"))
RELEASED = define("declaration.released", gettext_noop("Released"))

# The invitation mail.
INVITATION_SUBJECT = define(
    "invitation.subject", gettext_noop("You are invited to join %(merchant)s")
)
INVITATION_BODY = define(
    "invitation.body",
    gettext_noop(
        "%(inviter)s invites you to work for %(merchant)s (%(role)s) on the Assured "
        "Consumption Platform."
    ),
)
INVITATION_VALID_UNTIL = define(
    "invitation.valid_until",
    gettext_noop(
        "The invitation is valid until %(date)s. If you do not know this merchant, ignore this "
        "e-mail."
    ),
)
INVITATION_TO_ACCEPT = define(
    "invitation.to_accept",
    gettext_noop("To accept, log in (or sign up with this e-mail address) and open this link:"),
)

# County change requests (merchants.services.merchants.county_change_*).
COUNTY_CHANGE_REQUESTED_SUBJECT = define(
    "county_change.requested.subject",
    gettext_noop("%(merchant)s asks to move to %(county)s"),
)
COUNTY_CHANGE_REQUESTED_BODY = define(
    "county_change.requested.body",
    gettext_noop(
        "%(merchant)s asks to move from %(from_county)s to %(county)s. A regulator of "
        "%(county)s approves or refuses the request."
    ),
)
COUNTY_CHANGE_APPROVED = define(
    "county_change.approved",
    gettext_noop("The move of %(merchant)s to %(county)s is approved."),
)
COUNTY_CHANGE_REFUSED = define(
    "county_change.refused",
    gettext_noop("The move of %(merchant)s to %(county)s is refused."),
)

_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def _pattern(template: str) -> re.Pattern[str]:
    parts, position = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        name, kind = match.groups()
        parts.append(rf"(?P<{name}>-?\d+)" if kind == "d" else rf"(?P<{name}>.+?)")
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def recognise(
    text: str,
    codes: Iterable[str],
    decoders: dict[str, Callable[[str], Any]] | None = None,
) -> Message | None:
    """The first of `codes` whose template, in any of the site's languages, matches `text`
    exactly; its parameters decoded by `decoders` (by name; an int for %(x)d, else the text).
    None when no code matches."""
    text = (text or "").strip()
    if not text:
        return None
    decoders = decoders or {}
    for code in codes:
        template = CATALOG[code]
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                translated = gettext(template)
            match = _pattern(translated).match(text)
            if match is None:
                continue
            params: dict[str, Any] = {}
            for name, value in match.groupdict().items():
                if name in decoders:
                    params[name] = decoders[name](value)
                elif re.fullmatch(r"-?\d+", value) and f"%({name})d" in template:
                    params[name] = int(value)
                else:
                    params[name] = value
            return msg(code, **params)
    return None


def recognise_or_text(text: str, codes: Iterable[str], decoders=None) -> Message | None:
    """As `recognise`, else the text kept as written (a TEXT message); None for no text."""
    if not (text or "").strip():
        return None
    return recognise(text, codes, decoders) or msg(TEXT, text=text)


def label_decoder(labels: Iterable[Any]) -> Callable[[str], Any]:
    """Map a shown label (in any of the site's languages) back to a translatable label."""
    lookup: dict[str, Any] = {}
    for text in list(labels):
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                lookup[str(text)] = label(text)
    return lambda value: lookup.get(value.strip(), value)


# --- for data migrations ----------------------------------------------------------------------


class _HistoricalScheme:
    """A historical Scheme row shown with the real model's display_name."""

    def __init__(self, scheme: Any) -> None:
        from common.messages import BilingualName

        self._names = BilingualName()
        self._names.name, self._names.name_en = scheme.name, getattr(scheme, "name_en", "")

    @property
    def display_name(self) -> str:
        return self._names.display_name


def declaration_notifications_regenerate(apps: Any, event_ids: Iterable[int] | None = None) -> int:
    """Rewrite the inbox messages of declaration events (keys `declaration-event:<id>`) from the
    events themselves, as codes: for a data migration (`apps` is the migration's registry).
    Only these events' when `event_ids` is given. Returns how many rows were rewritten."""
    from types import SimpleNamespace

    from merchants.services.notifications import declaration_event_messages  # imports this one

    Notification = apps.get_model("merchants", "Notification")
    DeclarationEvent = apps.get_model("merchants", "DeclarationEvent")
    rows = Notification.objects.filter(key__startswith="declaration-event:")
    if event_ids is not None:
        rows = rows.filter(key__in=[f"declaration-event:{pk}" for pk in event_ids])
    by_event: dict[int, list[Any]] = {}
    for row in rows.only("pk", "key").iterator(chunk_size=2000):
        try:
            by_event.setdefault(int(row.key.split(":", 1)[1]), []).append(row)
        except ValueError:
            continue
    events = DeclarationEvent.objects.filter(pk__in=list(by_event)).select_related(
        "declaration__merchant", "declaration__scheme"
    )
    changed = []
    for event in events.iterator(chunk_size=2000):
        declaration = event.declaration
        shim = SimpleNamespace(
            declaration=SimpleNamespace(
                merchant=declaration.merchant, scheme=_HistoricalScheme(declaration.scheme)
            ),
            to_state=event.to_state,
            reason=event.reason,
            message=event.message,
        )
        try:
            subject, body = declaration_event_messages(shim)
        except KeyError:  # an event no notice is written for any more: keep the row
            continue
        for row in by_event[event.pk]:
            row.subject_message, row.body_message = subject, body
            changed.append(row)
    for start in range(0, len(changed), 2000):
        Notification.objects.bulk_update(
            changed[start : start + 2000], ["subject_message", "body_message"]
        )
    return len(changed)


# The daily work list (merchants/services/worklist.py).
WORKLIST_SUBJECT = define("worklist.digest.subject", gettext_noop("Your work list for %(day)s"))
WORKLIST_LINE = define("worklist.digest.line", gettext_noop("%(label)s: %(count)s"))
