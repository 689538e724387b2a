"""The regulators' pages of the liaison stations: the list, a new station, a station's changes
(facts, coordinators, active or not). A station outside the asker's reach is a 404. Higher apps
add columns to the list and the station's page (station_columns_collecting: the complaints
lodged at each station)."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.pages import only_for, show_domain_error
from merchants import selectors
from merchants.forms.stations import StationFilterForm, StationForm
from merchants.models import Station, User
from merchants.permissions import manages_stations
from merchants.services import stations as station_services
from merchants.signals import StationColumn, station_columns_collecting

STATION_PAGE_SIZE = 50

station_manager_required = only_for(manages_stations)


def _station_columns(stations: list[Station], user: User) -> list[StationColumn]:
    """What the apps above know of these stations, a column each."""
    return [
        column
        for _receiver, column in station_columns_collecting.send(
            sender=Station, stations=stations, user=user
        )
        if column is not None
    ]


def _cells(station: Station, columns: list[StationColumn]) -> list[tuple[StationColumn, Any]]:
    return [(column, column.values.get(station.pk)) for column in columns]


@station_manager_required
def station_list(request: HttpRequest) -> HttpResponse:
    form = StationFilterForm(request.GET or None, counties=selectors.county_list(user=request.user))
    county, active = None, None
    if form.is_valid():
        county = form.cleaned_data["county"]
        active = {"1": True, "0": False}.get(form.cleaned_data["active"])
    stations = selectors.station_list(
        user=request.user, county_code=county.code if county else None, active=active
    )
    page = Paginator(stations, STATION_PAGE_SIZE).get_page(request.GET.get("page"))
    columns = _station_columns(list(page.object_list), request.user)
    rows = [(station, _cells(station, columns)) for station in page.object_list]
    return render(
        request,
        "merchants/stations/list.html",
        {"form": form, "page": page, "columns": columns, "rows": rows},
    )


@station_manager_required
def station_create(request: HttpRequest) -> HttpResponse:
    form = StationForm(
        request.POST or None,
        counties=selectors.county_list(user=request.user),
        coordinators=selectors.coordinator_choices(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            station = station_services.station_create(
                actor=request.user, county=form.cleaned_data["county"], **form.facts()
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("The station %(name)s is created.") % {"name": station})
            return redirect("station-list")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "merchants/stations/form.html", {"form": form, "station": None}, status=status
    )


@station_manager_required
def station_edit(request: HttpRequest, pk: int) -> HttpResponse:
    station = selectors.station_get(user=request.user, pk=pk)
    initial = {
        "name": station.name,
        "address": station.address,
        "phone": station.phone,
        "opening_hours": station.opening_hours,
        "is_active": station.is_active,
        "coordinators": list(station.coordinators.all()),
    }
    form = StationForm(
        request.POST or None,
        initial=initial,
        counties=None,
        coordinators=selectors.coordinator_choices(user=request.user, county=station.region),
    )
    if request.method == "POST" and form.is_valid():
        try:
            station_services.station_update(
                actor=request.user,
                station=station,
                is_active=form.cleaned_data["is_active"],
                **form.facts(),
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("The station %(name)s is saved.") % {"name": station})
            return redirect("station-list")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "merchants/stations/form.html",
        {
            "form": form,
            "station": station,
            "cells": _cells(station, _station_columns([station], request.user)),
        },
        status=status,
    )
