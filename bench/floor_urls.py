"""Bench-only URLconf: the product's URLs and one floor view that inserts one row.

POST /bench/floor/ reads a JSON body like the intake's and inserts it as one row into
`bench_floor` (created by the bench, not by a migration): the least a Django view behind the
same middleware can do to store a complaint — the floor the intake is measured against.
"""

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as product_urlpatterns

FLOOR_TABLE = "bench_floor"


@csrf_exempt
@require_POST
def floor(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (phone, body, created_at) VALUES (%s, %s, now()) "
            "RETURNING id",
            [data["complainant_phone"], request.body.decode()],
        )
        (pk,) = cursor.fetchone()
    return JsonResponse({"id": pk}, status=201)


urlpatterns = [path("bench/floor/", floor), *product_urlpatterns]
