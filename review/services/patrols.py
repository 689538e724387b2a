"""Unscheduled visits (巡查) logged by coordinators: where (a merchant of their county or a place),
when, what they found, photos (stored without their metadata)."""

from collections.abc import Sequence
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, require
from common.uploads import inspect_uploads, save_with_file
from merchants.models import Merchant, Station, User
from merchants.selectors import station_list_for_coordinator
from merchants.services.audit import audit_log
from review.models import (
    EARLIEST_PATROL_DAY,
    PATROL_MAX_PHOTOS,
    PATROL_PLACE_MAX,
    PATROL_TEXT_MAX,
    Patrol,
    PatrolPhoto,
)
from review.permissions import records_patrols


def _check_where(
    actor: User, station: Station | None, merchant: Merchant | None, place: str
) -> str:
    if (
        station is not None
        and not station_list_for_coordinator(user=actor).filter(pk=station.pk).exists()
    ):
        raise DomainError(_("Choose one of the active stations you serve."), field="station")
    if merchant is not None and merchant.region_id != actor.region_id:
        raise DomainError(_("Choose a merchant of your county."), field="merchant")
    place = (place or "").strip()
    if merchant is None and not place:
        raise DomainError(_("Name the merchant or the place visited."), field="place")
    if len(place) > PATROL_PLACE_MAX:
        raise DomainError(_("At most %(n)d characters.") % {"n": PATROL_PLACE_MAX}, field="place")
    return place


def _check_day(visited_on: date) -> None:
    if visited_on > timezone.localdate():
        raise DomainError(_("The date of the visit cannot be in the future."), field="visited_on")
    if visited_on < EARLIEST_PATROL_DAY:
        raise DomainError(
            _("The date of the visit cannot be before %(day)s.")
            % {"day": EARLIEST_PATROL_DAY.isoformat()},
            field="visited_on",
        )


@transaction.atomic
def patrol_record(
    *,
    actor: User,
    visited_on: date,
    findings: str,
    station: Station | None = None,
    merchant: Merchant | None = None,
    place: str = "",
    photos: Sequence[UploadedFile] = (),
) -> Patrol:
    require(records_patrols(actor), _("Only coordinators log unscheduled visits."))
    place = _check_where(actor, station, merchant, place)
    _check_day(visited_on)
    findings = (findings or "").strip()
    if not findings:
        raise DomainError(_("Write down what you found."), field="findings")
    if len(findings) > PATROL_TEXT_MAX:
        raise DomainError(_("At most %(n)d characters.") % {"n": PATROL_TEXT_MAX}, field="findings")
    photos = list(photos)
    require(
        len(photos) <= PATROL_MAX_PHOTOS,
        _("At most %(n)d photos.") % {"n": PATROL_MAX_PHOTOS},
    )
    types = inspect_uploads(photos, images_only=True)
    patrol = Patrol.objects.create(
        region_id=actor.region_id,
        recorded_by=actor,
        station=station,
        merchant=merchant,
        place=place,
        visited_on=visited_on,
        findings=findings,
    )
    for upload, content_type in zip(photos, types, strict=True):
        save_with_file(
            PatrolPhoto(
                patrol=patrol,
                original_name=(upload.name or "")[:255],
                content_type=content_type,
                size=upload.size or 0,
                uploaded_by=actor,
            ),
            upload,
        )
    audit_log(
        actor=actor,
        action="patrol.record",
        merchant=merchant,
        obj=patrol,
        data={
            "patrol": patrol.pk,
            "station": station.pk if station else None,
            "photos": len(photos),
        },
    )
    return patrol
