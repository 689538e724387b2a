"""Who may act on a complaint: one table of the cast against each rule of complaints.permissions
(the pages, the API and the services all ask these functions)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from complaints.models import ComplaintEvent
from complaints.permissions import (
    can_answer,
    can_handle,
    is_complaint_handler,
    message_role,
    reads_disclosure_flags,
    sees_full_contact,
)
from merchants.permissions import is_merchant_operator
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.django_db

Role = ComplaintEvent.Role

CAST = (
    "consumer",
    "owner",
    "other_owner",
    "county_regulator",
    "other_county_regulator",
    "city_regulator",
    "admin_user",
)

# Per member of the cast: handles the queue, handles this complaint (Xihu), answers for the
# merchant, sees the full contact, writes on the timeline as, reads the disclosure flags.
EXPECTED = {
    "consumer": (False, False, False, True, Role.CONSUMER, False),
    "owner": (False, False, True, False, Role.MERCHANT, False),
    "other_owner": (False, False, False, False, None, False),
    "county_regulator": (True, True, False, True, Role.REGULATOR, True),
    "other_county_regulator": (True, False, False, True, None, True),
    "city_regulator": (True, True, False, True, Role.REGULATOR, True),
    "admin_user": (True, True, False, True, Role.REGULATOR, True),
}


@pytest.mark.parametrize("who", CAST)
def test_who_may_act_on_a_complaint(request, who, merchant, other_merchant, consumer):
    complaint = ComplaintFactory(merchant=merchant, consumer=consumer)
    user = request.getfixturevalue(who)
    got = (
        is_complaint_handler(user),
        can_handle(user, complaint),
        can_answer(user, complaint),
        sees_full_contact(user, complaint),
        message_role(user, complaint),
        reads_disclosure_flags(user),
    )
    assert got == EXPECTED[who]


def test_merchant_operators_are_the_merchants_people(owner, consumer, county_regulator, merchant):
    assert is_merchant_operator(owner)
    assert not is_merchant_operator(consumer) and not is_merchant_operator(county_regulator)
    assert not is_merchant_operator(AnonymousUser())


def test_a_regulator_without_the_capability_or_inactive_handles_nothing(county_regulator, merchant):
    complaint = ComplaintFactory(merchant=merchant)
    county_regulator.can_handle_complaints = False
    assert not is_complaint_handler(county_regulator) and not can_handle(
        county_regulator, complaint
    )
    county_regulator.can_handle_complaints, county_regulator.is_active = True, False
    assert not can_handle(county_regulator, complaint)


def test_nobody_answers_for_a_business_off_the_platform(owner, merchant):
    complaint = ComplaintFactory(merchant=merchant)
    complaint.merchant = None
    assert not can_answer(owner, complaint)
    assert not can_answer(AnonymousUser(), ComplaintFactory(merchant=merchant))
