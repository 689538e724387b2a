"""Complaint numbers: county code, year and a sequence per county and year, 330106-2026-000123.

The next number is taken by one upsert on the county-year counter row (`INSERT … ON CONFLICT DO
UPDATE SET given = given + 1 RETURNING given`, common/counters.py): atomic under any
concurrency, and the row it locks is held until the intake commits, so only intakes of the same
county wait for each other — the intake takes its number near its end for that reason.
"""

from django.utils import timezone

from common.counters import counters_add
from complaints.models import Complaint, ComplaintNumberCounter


def complaint_number_format(*, county: str, year: int, sequence: int) -> str:
    return f"{county}-{year}-{sequence:06d}"


def complaint_number_next(*, county: str, year: int) -> str:
    """Take the county's next number of the year (in the caller's transaction)."""
    counted = counters_add(
        ComplaintNumberCounter, keys=("region", "year"), rows=[(county, year)], field="given"
    )
    (sequence,) = counted.values()
    return complaint_number_format(county=county, year=year, sequence=sequence)


def complaint_number_assign(complaint: Complaint) -> Complaint:
    """Give the complaint the next number of its county in the year it was lodged (local time).
    Call inside the transaction that stores it."""
    complaint.number = complaint_number_next(
        county=complaint.region_id, year=timezone.localtime(complaint.created_at).year
    )
    Complaint.objects.filter(pk=complaint.pk).update(number=complaint.number)
    return complaint


def complaints_number_missing(*, batch: int = 5000) -> int:
    """Number the complaints stored without one (the province generator writes its rows in
    bulk), per county and year in the order they were lodged, after the numbers already given,
    and move the counters on. For a batch job run while nobody files complaints: a clash with
    an intake would be refused by the unique constraint. Returns how many were numbered."""
    given = {
        (counter.region_id, counter.year): counter.given
        for counter in ComplaintNumberCounter.objects.all()
    }
    moved: set[tuple[str, int]] = set()
    changed: list[Complaint] = []
    numbered = 0
    rows = (
        Complaint.objects.filter(number="")
        .order_by("created_at", "id")
        .values_list("pk", "region_id", "created_at")
    )
    for pk, county, created_at in rows.iterator(chunk_size=batch):
        key = (county, timezone.localtime(created_at).year)
        given[key] = given.get(key, 0) + 1
        moved.add(key)
        number = complaint_number_format(county=county, year=key[1], sequence=given[key])
        changed.append(Complaint(pk=pk, number=number))
        if len(changed) >= batch:
            numbered += Complaint.objects.bulk_update(changed, ["number"])
            changed = []
    if changed:
        numbered += Complaint.objects.bulk_update(changed, ["number"])
    for county, year in moved:
        ComplaintNumberCounter.objects.update_or_create(
            region_id=county, year=year, defaults={"given": given[(county, year)]}
        )
    return numbered
