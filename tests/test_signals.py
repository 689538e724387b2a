"""The signals between the apps (ARCHITECTURE.md, "Signals"): every documented receiver is
connected, and a receiver's veto reaches the person who acted."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.signals import complaint_changed
from merchants.models import Pool
from merchants.signals import (
    declaration_creating,
    declaration_page_context,
    declarations_changed,
    home_page_context,
    merchant_facts_changed,
    merchant_registered,
    records_changed,
    station_columns_collecting,
)
from ratings.models import ReasonCode
from ratings.services.pools import standing_move
from ratings.signals import standings_changed
from review.signals import inspection_changed
from tests.conftest import api

CONNECTED = {
    declaration_creating: {"ratings.may_declare"},
    declarations_changed: {
        "ratings.pools_follow_declarations",
        "review.screen_submitted",
        "storefront.declarations",
    },
    merchant_registered: {"ratings.nominations_on_register"},
    merchant_facts_changed: {"storefront.merchant_facts"},
    records_changed: {"ratings.records_changed", "storefront.records"},
    declaration_page_context: {"review.screening_report"},
    home_page_context: {"complaints.consumer_home"},
    station_columns_collecting: {"complaints.station_counts"},
    inspection_changed: {"ratings.inspection_changed", "storefront.inspection"},
    complaint_changed: {"ratings.complaint_changed", "storefront.complaint"},
    standings_changed: {"storefront.standings"},
}

CONNECTED_NAMES = {signal: sorted(uids)[0].split(".")[1] for signal, uids in CONNECTED.items()}


@pytest.mark.parametrize("signal", CONNECTED, ids=lambda signal: CONNECTED_NAMES[signal])
def test_every_documented_receiver_is_connected(signal):
    assert {lookup_key[0] for lookup_key, *_rest in signal.receivers} == CONNECTED[signal]


@pytest.mark.django_db
def test_the_veto_of_a_higher_app_reaches_the_merchant_as_a_clear_error(owner, merchant):
    standing_move(
        merchant=merchant, to=Pool.SELECTION, reason_code=ReasonCode.NOMINATED, reason="-"
    )
    standing_move(
        merchant=merchant,
        to=Pool.EXITED,
        reason_code=ReasonCode.EXITED_BY_REGULATOR,
        reason="-",
        changes={"reentry_after": timezone.localdate() + timedelta(days=30)},
    )
    response = api(owner).post(
        reverse("api-declaration-list"),
        {"merchant": merchant.pk, "scheme": "assured-unit"},
        format="json",
    )
    assert response.status_code == 400
    assert "may declare again from" in str(response.json())
