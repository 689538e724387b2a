"""Liaison stations: created, changed, deactivated and staffed by the county's regulators."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, require
from common.phones import phone_normalise
from merchants.models import Region, Station, User
from merchants.permissions import can_manage_station
from merchants.services.audit import audit_log

NAME_MAX = 100
ADDRESS_MAX = 200
HOURS_MAX = 200


def _clean_text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(_("This field is required."), field=field)
    if len(text) > limit:
        raise DomainError(
            _("At most %(n)d characters.") % {"n": limit},
            field=field,
        )
    return text


def _clean_phone(value: str) -> str:
    try:
        return phone_normalise(value)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="phone") from exc


def _clean_coordinators(county: Region, coordinators: Iterable[User]) -> list[User]:
    people = list(coordinators)
    for person in people:
        require(
            person.is_active and person.is_coordinator and person.region_id == county.code,
            _("%(name)s is not a coordinator of %(county)s.")
            % {"name": person.display_name, "county": county.display_name},
        )
    return people


def _require_county(actor: User, county: Region) -> None:
    require(county.level == Region.Level.COUNTY, _("A station belongs to a county."))
    require(
        can_manage_station(actor, county),
        _("You may manage the stations of your own region only."),
    )


def _unique_name(county: Region, name: str, station: Station | None = None) -> None:
    others = Station.objects.filter(region=county, name=name)
    if station is not None:
        others = others.exclude(pk=station.pk)
    if others.exists():
        raise DomainError(
            _("%(county)s already has a station of this village or community.")
            % {"county": county.display_name},
            field="name",
        )


@transaction.atomic
def station_create(
    *,
    actor: User,
    county: Region,
    name: str,
    address: str,
    phone: str,
    opening_hours: str = "",
    coordinators: Iterable[User] = (),
) -> Station:
    _require_county(actor, county)
    name = _clean_text(name, field="name", limit=NAME_MAX)
    _unique_name(county, name)
    station = Station.objects.create(
        region=county,
        name=name,
        address=_clean_text(address, field="address", limit=ADDRESS_MAX),
        phone=_clean_phone(phone),
        opening_hours=_clean_text(
            opening_hours, field="opening_hours", limit=HOURS_MAX, required=False
        ),
    )
    people = _clean_coordinators(county, coordinators)
    station.coordinators.set(people)
    audit_log(
        actor=actor,
        action="station.create",
        obj=station,
        data={"station": station.pk, "county": county.code, "coordinators": [p.pk for p in people]},
    )
    return station


@transaction.atomic
def station_update(
    *,
    actor: User,
    station: Station,
    name: str,
    address: str,
    phone: str,
    opening_hours: str,
    is_active: bool,
    coordinators: Iterable[User],
) -> Station:
    """Change a station's facts, its coordinators and whether it is active (a station is never
    deleted: its visits keep pointing at it)."""
    station = Station.objects.select_for_update().select_related("region").get(pk=station.pk)
    county = station.region
    _require_county(actor, county)
    name = _clean_text(name, field="name", limit=NAME_MAX)
    _unique_name(county, name, station)
    values = {
        "name": name,
        "address": _clean_text(address, field="address", limit=ADDRESS_MAX),
        "phone": _clean_phone(phone),
        "opening_hours": _clean_text(
            opening_hours, field="opening_hours", limit=HOURS_MAX, required=False
        ),
        "is_active": bool(is_active),
    }
    changed = [field for field, value in values.items() if getattr(station, field) != value]
    for field, value in values.items():
        setattr(station, field, value)
    people = _clean_coordinators(county, coordinators)
    before = set(station.coordinators.values_list("pk", flat=True))
    after = {p.pk for p in people}
    if before != after:
        station.coordinators.set(people)
        changed.append("coordinators")
    if changed:
        station.updated_at = timezone.now()
        station.save()
        audit_log(
            actor=actor,
            action="station.update",
            obj=station,
            data={"station": station.pk, "fields": changed, "coordinators": sorted(after)},
        )
    return station
