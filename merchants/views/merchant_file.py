"""The merchant's file (一户一档): everything about one merchant on one page, printable, and the
same content as a JSON download. Regulators who reach the merchant see the full copy, the
merchant's people the owner's copy; anyone else gets a 404 (merchants.permissions)."""

import json

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from merchants import selectors
from merchants.models import Merchant
from merchants.permissions import merchant_file_copy
from merchants.services.history import merchant_file, merchant_file_export_record


def _file_merchant(request: HttpRequest, pk: int) -> Merchant:
    """A merchant whose file the user may open; any other is a 404."""
    merchant = selectors.merchant_get(user=request.user, pk=pk)
    if merchant_file_copy(request.user, merchant) is None:
        raise Http404
    return merchant


@login_required
def merchant_file_page(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = _file_merchant(request, pk)
    return render(
        request,
        "merchants/merchant_file.html",
        {"merchant": merchant, "file": merchant_file(viewer=request.user, merchant=merchant)},
    )


@login_required
def merchant_file_json(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = _file_merchant(request, pk)
    data = merchant_file(viewer=request.user, merchant=merchant)
    merchant_file_export_record(actor=request.user, merchant=merchant, source="page")
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="merchant-{merchant.pk}-file.json"'
    return response
