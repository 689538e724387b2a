"""Complaint numbers: county code, year and a sequence per county and year, 330106-2026-000123.

The next number is taken by one upsert on the county-year counter row (`INSERT … ON CONFLICT DO
UPDATE SET given = given + 1 RETURNING given`, common/counters.py): atomic under any
concurrency, and the row it locks is held until the intake commits, so only intakes of the same
county wait for each other. On PostgreSQL the intake's upsert, the complaint's INSERT with its
number and its first event's INSERT are one statement (complaint_store_numbered, issue 17).
"""

import functools

from django.conf import settings
from django.db import connection
from django.db.models import Field
from django.utils import timezone

from common.counters import counters_add, counters_upsert_sql
from common.inserts import insert_values
from complaints.models import Complaint, ComplaintEvent, ComplaintNumberCounter


def complaint_number_format(*, county: str, year: int, sequence: int) -> str:
    return f"{county}-{year}-{sequence:06d}"


def complaint_number_next(*, county: str, year: int) -> str:
    """Take the county's next number of the year (in the caller's transaction)."""
    counted = counters_add(
        ComplaintNumberCounter, keys=("region", "year"), rows=[(county, year)], field="given"
    )
    (sequence,) = counted.values()
    return complaint_number_format(county=county, year=year, sequence=sequence)


# The number in SQL, as complaint_number_format writes it (six digits at least, never cut).
SQL_NUMBER = (
    "{county} || '-' || {year} || '-' || "
    "CASE WHEN {seq} < 1000000 THEN lpad({seq}::text, 6, '0') ELSE {seq}::text END"
)


def complaint_store_numbered(complaint: Complaint, event: ComplaintEvent) -> None:
    """Store a new complaint (unsaved) with the next number of its county in the year it was
    lodged (local time) and its first event. Call inside the transaction that stores it.

    On PostgreSQL one statement, written once per process: the counter's upsert, the complaint's
    INSERT with its number and the event's INSERT, in CTEs (it was five statements through the
    ORM: insert, insert, the upsert and an UPDATE of the complaint — not HOT, every index of
    the table written twice). Elsewhere (SQLite) through the ORM: insert, insert, upsert, update.
    Either way no post_save receiver listens to these models."""
    county, year = complaint.region_id, timezone.localtime(complaint.created_at).year
    if connection.vendor != "postgresql":
        complaint.save(force_insert=True)
        event.complaint = complaint
        event.save(force_insert=True)
        complaint.number = complaint_number_next(county=county, year=year)
        Complaint.objects.filter(pk=complaint.pk).update(number=complaint.number)
        return
    sql, complaint_fields, event_fields = _store_numbered_sql()
    params = [
        *(county, year, 1, 1),  # the counter's upsert: the row and its step, the step again
        *insert_values(complaint, complaint_fields),
        *insert_values(event, event_fields),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        complaint.pk, complaint.number, event.pk = cursor.fetchone()
    for stored in (complaint, event):
        stored._state.adding = False
        stored._state.db = connection.alias
    event.complaint = complaint


@functools.cache
def _store_numbered_sql() -> tuple[str, list[Field], list[Field]]:
    """The statement of complaint_store_numbered and the fields whose values it takes, in order
    (after the counter's four)."""
    quote = connection.ops.quote_name
    upsert = counters_upsert_sql(ComplaintNumberCounter, keys=("region", "year"), field="given")
    complaint_fields = [
        f for f in Complaint._meta.concrete_fields if not f.primary_key and f.name != "number"
    ]
    event_fields = [
        f
        for f in ComplaintEvent._meta.concrete_fields
        if not f.primary_key and f.name != "complaint"
    ]
    complaint_columns = [quote(f.column) for f in complaint_fields]
    event_columns = [quote(f.column) for f in event_fields]
    number = SQL_NUMBER.format(county="n.region_id", year="n.year", seq="n.given")
    marks = ", ".join(["%s"] * len(complaint_fields))
    event_marks = ", ".join(["%s"] * len(event_fields))
    sql = f"""
        WITH n AS ({upsert}), c AS (
            INSERT INTO {quote(Complaint._meta.db_table)}
                ({", ".join(complaint_columns)}, {quote("number")})
            VALUES ({marks}, (SELECT {number} FROM n))
            RETURNING id, {quote("number")}
        ), e AS (
            INSERT INTO {quote(ComplaintEvent._meta.db_table)}
                ({quote(ComplaintEvent._meta.get_field("complaint").column)},
                 {", ".join(event_columns)})
            VALUES ((SELECT id FROM c), {event_marks})
            RETURNING id
        )
        SELECT c.id, c.{quote("number")}, e.id FROM c, e
    """
    return sql, complaint_fields, event_fields


def complaints_number_missing(*, batch: int = 5000) -> int:
    """Number the complaints stored without one (the province generator writes its rows in
    bulk), per county and year in the order they were lodged, after the numbers already given,
    and move the counters on. For a batch job run while nobody files complaints: a clash with
    an intake would be refused by the unique constraint. Returns how many were numbered.

    On PostgreSQL one statement numbers them all (the generator calls it before it builds the
    indexes again, so the update keeps no index up to date); elsewhere
    (SQLite, small data) they are numbered in batches from Python."""
    if connection.vendor == "postgresql":
        return _number_missing_in_one_statement()
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


def _number_missing_in_one_statement() -> int:
    complaint = connection.ops.quote_name(Complaint._meta.db_table)
    counter = connection.ops.quote_name(ComplaintNumberCounter._meta.db_table)
    year = "EXTRACT(YEAR FROM created_at AT TIME ZONE %(tz)s)::int"
    number = SQL_NUMBER.format(county="n.region_id", year="n.year", seq="n.seq")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH todo AS (
                SELECT id, region_id, {year} AS year,
                       ROW_NUMBER() OVER (
                           PARTITION BY region_id, {year} ORDER BY created_at, id
                       ) AS rn
                FROM {complaint} WHERE number = ''
            ), numbered AS (
                SELECT t.id, t.region_id, t.year, t.rn + COALESCE(c.given, 0) AS seq
                FROM todo t
                LEFT JOIN {counter} c ON c.region_id = t.region_id AND c.year = t.year
            ), done AS (
                UPDATE {complaint} SET number = {number}
                FROM numbered n WHERE {complaint}.id = n.id
                RETURNING n.region_id, n.year, n.seq
            ), moved AS (
                INSERT INTO {counter} (region_id, year, given)
                SELECT region_id, year, MAX(seq) FROM done GROUP BY region_id, year
                ON CONFLICT (region_id, year) DO UPDATE SET given = EXCLUDED.given
            )
            SELECT COUNT(*) FROM done
            """,
            {"tz": settings.TIME_ZONE},
        )
        return cursor.fetchone()[0]
