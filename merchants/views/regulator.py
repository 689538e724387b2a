"""The regulator's read-only lists of the merchants and declarations in their reach."""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from common.pages import KeysFirstPaginator, only_for
from merchants import selectors
from merchants.forms.regulator import DeclarationFilterForm, MerchantFilterForm
from merchants.permissions import is_supervisor

LIST_PAGE_SIZE = 50

supervisor_required = only_for(is_supervisor)


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, LIST_PAGE_SIZE).get_page(request.GET.get("page"))


@supervisor_required
def regulator_merchants(request: HttpRequest) -> HttpResponse:
    form = MerchantFilterForm(
        request.GET or None, counties=selectors.county_list(user=request.user)
    )
    merchants = selectors.merchant_list(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["county"]:
            merchants = merchants.filter(region=data["county"])
        if data["industry"]:
            merchants = merchants.filter(industry=data["industry"])
        if query := data["q"].strip():
            merchants = merchants.filter(
                Q(name__icontains=query) | Q(uscc__startswith=query.upper())
            )
    return render(
        request,
        "merchants/regulator/merchants.html",
        {"form": form, "page": _page(request, merchants)},
    )


@supervisor_required
def regulator_declarations(request: HttpRequest) -> HttpResponse:
    form = DeclarationFilterForm(
        request.GET or None, counties=selectors.county_list(user=request.user)
    )
    declarations = selectors.declaration_list(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            declarations = declarations.filter(state=data["state"])
        if data["scheme"]:
            declarations = declarations.filter(scheme=data["scheme"])
        if data["county"]:
            declarations = declarations.filter(region=data["county"])
    # Keys first in the order of declaration_updated_idx (declaration_region_updated_idx for a
    # county): a deep page reads its 50 rows with their joins, not all those before it.
    page = KeysFirstPaginator(declarations, LIST_PAGE_SIZE, count=declarations.count()).get_page(
        request.GET.get("page")
    )
    return render(request, "merchants/regulator/declarations.html", {"form": form, "page": page})
