"""Bench-only URLconf: the product's URLs and two floor views behind the same middleware.

POST /bench/floor/ reads a JSON body like the intake's and inserts it as one row into
`bench_floor` (created by the bench, not by a migration): the least a Django view behind the
same middleware can do to store a complaint — the floor the intake is measured against.

POST /bench/floor-writes/ reads the same body and makes, in **one** statement, the writes every
intake of this product must make, with no validation, no read and no message built in Python:
the county's next number (the counter's upsert), the complaint (a copy of the bench's template
complaint with the new number, phone and tracking token, so every index of the table is
written), its first event, the template's outbox items (the store page's invalidation and the
receipt SMS, pending, so the relay delivers them), both limit counters' upserts and the
standing's re-evaluation mark. It bounds from below what any intake could cost: the
intake's own writes in one round trip, behind the cheapest view. `bench_floor_template` (one
row, written by bench/intake_floor.py) names the template complaint and its last outbox item.
"""

import functools
import json
import secrets

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bench.benchlib import LIMIT_BUCKET_SQL, LIMIT_KEY_SQL
from complaints.models import Complaint
from config.urls import urlpatterns as product_urlpatterns

FLOOR_TABLE = "bench_floor"
TEMPLATE_TABLE = "bench_floor_template"


def _stored(sql: str, params: dict[str, str]) -> JsonResponse:
    """Run the one statement that stores the request, answer 201 with the id it returns."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (pk,) = cursor.fetchone()
    return JsonResponse({"id": pk}, status=201)


@csrf_exempt
@require_POST
def floor(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    return _stored(
        f"INSERT INTO {FLOOR_TABLE} (phone, body, created_at) "
        "VALUES (%(phone)s, %(body)s, now()) RETURNING id",
        {"phone": data["complainant_phone"], "body": request.body.decode()},
    )


@functools.cache
def _writes_sql() -> str:
    columns = [f.column for f in Complaint._meta.concrete_fields if not f.primary_key]
    replaced = {
        "number": "(SELECT n.region_id || '-' || n.year || '-' || lpad(n.given::text, 6, '0') "
        "FROM n)",
        "tracking_token": "%(token)s",
        "complainant_phone": "%(phone)s",
        "submitted_ip": "'127.0.0.1'::inet",
        "created_at": "now()",
        "updated_at": "now()",
    }
    select = ", ".join(replaced.get(column, f"t.{column}") for column in columns)
    bucket = LIMIT_BUCKET_SQL.format("now()")
    return f"""
        WITH b AS (SELECT complaint_id, last_item FROM {TEMPLATE_TABLE}),
        n AS (
            INSERT INTO complaints_complaintnumbercounter (region_id, year, given)
            SELECT t.region_id, extract(year FROM now())::int, 1
            FROM complaints_complaint t, b WHERE t.id = b.complaint_id
            ON CONFLICT (region_id, year)
                DO UPDATE SET given = complaints_complaintnumbercounter.given + 1
            RETURNING region_id, year, given
        ), c AS (
            INSERT INTO complaints_complaint ({", ".join(columns)})
            SELECT {select} FROM complaints_complaint t, b WHERE t.id = b.complaint_id
            RETURNING id, merchant_id, created_at
        ), e AS (
            INSERT INTO complaints_complaintevent
                (complaint_id, actor_id, role, from_state, to_state, message, text, created_at)
            SELECT id, NULL, 'consumer', '', 'submitted', '{{}}', '', created_at FROM c
            RETURNING id
        ), o AS (
            INSERT INTO common_outboxitem
                (kind, payload, key, created_at, due_at, attempts, last_error, delivered_at)
            SELECT o.kind, o.payload,
                CASE WHEN o.key IS NULL THEN NULL ELSE o.key || '-w' || e.id END,
                now(), now(), 0, '', NULL
            FROM e, b, common_outboxitem o WHERE o.id <= b.last_item
        ), l AS (
            INSERT INTO common_limitcounter (key, bucket, hits)
            VALUES ({LIMIT_KEY_SQL.format("'complaint-phone:' || %(phone)s")}, {bucket}, 1),
                   ({LIMIT_KEY_SQL.format("'complaint-address:127.0.0.1'")}, {bucket}, 1)
            ON CONFLICT (key, bucket) DO UPDATE SET hits = common_limitcounter.hits + 1
        ), s AS (
            UPDATE ratings_standing SET needs_evaluation = true
            WHERE merchant_id = (SELECT merchant_id FROM c) AND needs_evaluation = false
        )
        SELECT id FROM c
    """


@csrf_exempt
@require_POST
def floor_writes(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    return _stored(
        _writes_sql(),
        {"phone": data["complainant_phone"], "token": secrets.token_urlsafe(30)[:40]},
    )


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/floor-writes/", floor_writes),
    *product_urlpatterns,
]
