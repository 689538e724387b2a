"""Complaint numbers: county code, year and a sequence per county and year, 330106-2026-000123.

The next number is taken by one upsert on the county-year counter row (`INSERT … ON CONFLICT DO
UPDATE SET given = given + 1 RETURNING given`, as common/limits.py counts): atomic under any
concurrency, and the row it locks is held until the intake commits, so only intakes of the same
county wait for each other — the intake takes its number near its end for that reason.
"""

from django.db import connection
from django.utils import timezone

from complaints.models import Complaint, ComplaintNumberCounter


def complaint_number_format(*, county: str, year: int, sequence: int) -> str:
    return f"{county}-{year}-{sequence:06d}"


def complaint_number_next(*, county: str, year: int) -> str:
    """Take the county's next number of the year (in the caller's transaction)."""
    quote = connection.ops.quote_name
    table = quote(ComplaintNumberCounter._meta.db_table)
    region, year_, given = quote("region_id"), quote("year"), quote("given")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({region}, {year_}, {given}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({region}, {year_}) DO UPDATE SET {given} = {table}.{given} + 1 "
            f"RETURNING {given}",
            [county, year],
        )
        (sequence,) = cursor.fetchone()
    return complaint_number_format(county=county, year=year, sequence=sequence)


def complaint_number_assign(complaint: Complaint) -> Complaint:
    """Give the complaint the next number of its county in the year it was lodged (local time).
    Call inside the transaction that stores it."""
    complaint.number = complaint_number_next(
        county=complaint.region_id, year=timezone.localtime(complaint.created_at).year
    )
    Complaint.objects.filter(pk=complaint.pk).update(number=complaint.number)
    return complaint
