"""Filing for callers (DESIGN.md "Complaints", issue 15 points 3-4): the rules of the liaison
station a coordinator records, and how the first step of a filed complaint names its filer.

The intake service (complaints.services.complaints.complaint_submit) applies both; the filing
form and the intake API show the same refusals on their `station` field.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from common.errors import DomainError
from common.messages import Message, label, msg, person
from complaints import messages as m
from complaints.models import ComplaintChannel
from merchants.models import Station, User
from merchants.selectors import station_list_for_coordinator

STATION_FOR_COORDINATORS = _("Only a coordinator filing for a caller records a liaison station.")
STATION_NOT_SERVED = _(
    "You are not assigned to this liaison station: choose one of the active stations you serve."
)
STATION_NEEDS_CHANNEL = _(
    "A liaison station is recorded only for a complaint lodged at a station: choose the "
    "channel “Liaison station”, or leave the station empty."
)
STATION_REQUIRED = _("Choose the liaison station where the caller lodged the complaint.")

# How the timeline names the one who filed (stored as msgids, translated when read).
HOTLINE_OPERATOR = gettext_noop("Hotline operator")
WHO = {
    User.Role.COORDINATOR: gettext_noop("Coordinator"),
    User.Role.REGULATOR: gettext_noop("Regulator"),
    User.Role.ADMIN: gettext_noop("Administrator"),
}


def filing_station(*, user: User, pk: int | None) -> Station | None:
    """The station an API request names by id, among those the filer serves: a refusal on the
    `station` field for anyone else (a consumer's or an operator's station is never ignored)."""
    if pk is None:
        return None
    if not (user.is_authenticated and user.is_coordinator):
        raise DomainError(str(STATION_FOR_COORDINATORS), field="station")
    station = station_list_for_coordinator(user=user).filter(pk=pk).first()
    if station is None:
        raise DomainError(str(STATION_NOT_SERVED), field="station")
    return station


def complaint_station_check(
    *, lodged_by: User | None, channel: str, station: Station | None
) -> None:
    """A station is recorded only by a coordinator who serves it (active, of their county),
    only with the channel "station"; and a coordinator filing with that channel names it."""
    is_coordinator = lodged_by is not None and lodged_by.is_coordinator
    if station is not None:
        if not is_coordinator:
            raise DomainError(str(STATION_FOR_COORDINATORS), field="station")
        if channel != ComplaintChannel.STATION:
            raise DomainError(str(STATION_NEEDS_CHANNEL), field="station")
        if not station_list_for_coordinator(user=lodged_by).filter(pk=station.pk).exists():
            raise DomainError(str(STATION_NOT_SERVED), field="station")
    elif is_coordinator and channel == ComplaintChannel.STATION:
        raise DomainError(str(STATION_REQUIRED), field="station")


def filed_for_caller_message(*, lodged_by: User, channel: str, station: Station | None) -> Message:
    """The first step's words, which head it on the timeline: "Coordinator 何桂英 (filed for
    the caller at the 双流村 liaison station)"; a regulator at the hotline is its operator."""
    if lodged_by.role == User.Role.REGULATOR and channel == ComplaintChannel.HOTLINE:
        who = HOTLINE_OPERATOR
    else:
        who = WHO.get(lodged_by.role, WHO[User.Role.REGULATOR])
    if station is not None:
        return msg(
            m.FILED_AT_STATION, role=label(who), name=person(lodged_by), station=station.name
        )
    return msg(m.FILED_FOR_CALLER, role=label(who), name=person(lodged_by))
