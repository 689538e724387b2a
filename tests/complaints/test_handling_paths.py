"""Every complaint can be handled (issue 15 §1): linked to a registered merchant, handled directly
with the business, transferred to another county (which accepts or refuses) or out of the
province. Through the services, the regulator's pages and the API; each transition and each
refusal, outsiders, bad input."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from common import sms
from common.errors import DomainError
from complaints.models import (
    Complaint,
    ComplaintContact,
    ComplaintEvent,
    ComplaintState,
)
from complaints.models import ComplaintState as C
from complaints.selectors.complaints import (
    complaint_queue_counts,
    merchant_complaint_figures,
    merchant_complaint_list,
)
from complaints.selectors.handling import merchant_link_candidates
from complaints.services import complaints as svc
from complaints.services import handling
from complaints.sources import ComplaintTableSource
from merchants.models import AuditEntry, Notification, Region, User
from tests.conftest import api, client_for
from tests.factories import (
    MerchantFactory,
    RegulatorFactory,
    UserFactory,
    region,
)

pytestmark = pytest.mark.django_db

PHONE = "13812341234"
EMAIL = "liu@example.com"


@pytest.fixture(autouse=True)
def _no_intake_limits(settings):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 10_000, "day": 10_000}


def _lodge(merchant=None, **overrides) -> Complaint:
    data = {
        "merchant": merchant,
        "category": "refund_refused",
        "description": "买的电水壶漏水, 要求退货被拒绝。",
        "wanted_outcome": "退货退款",
        "complainant_name": "刘女士",
        "complainant_phone": PHONE,
        "complainant_email": EMAIL,
        "amount": Decimal("159.00"),
        "purchase_date": date(2026, 11, 20),
    }
    if merchant is None:
        data |= {"business_name": "路边电器店", "region": region("330106")}
    return svc.complaint_submit(**(data | overrides))


@pytest.fixture
def unregistered() -> Complaint:
    """A complaint about a business not on the platform, in Xihu."""
    return _lodge()


@pytest.fixture
def binjiang_merchant() -> object:
    return MerchantFactory(name="滨江电器", region=region("330108"))


def _steps(complaint: Complaint) -> list[tuple[str, str]]:
    return list(complaint.events.exclude(to_state="").values_list("from_state", "to_state"))


def _last_message(complaint: Complaint) -> str:
    return complaint.events.order_by("-id").first().message["code"]


def _refused(match: str):
    return pytest.raises(DomainError, match=match)


# The transition table


NEW_STATES = {C.DIRECT, C.TRANSFER_PENDING, C.TRANSFERRED_OUT}
ALL = [s.value for s in C]
ILLEGAL_NEW = [
    (f, t)
    for f in ALL
    for t in ALL
    if t not in svc.TRANSITIONS[f] and (f in NEW_STATES or t in NEW_STATES)
]


def _move(complaint: Complaint, state: str) -> Complaint:
    """Put the row in a state as the services would leave it."""
    changes: dict = {"state": state}
    if state == C.TRANSFER_PENDING:
        changes["transfer_to"] = region("330108")
    if state == C.TRANSFERRED_OUT:
        changes |= {
            "transferred_out_to": "黄浦区市场监督管理局",
            "transferred_out_province": "310000",
        }
    Complaint.objects.filter(pk=complaint.pk).update(**changes)
    complaint.refresh_from_db()
    return complaint


def test_the_table_holds_the_new_paths():
    assert svc.TRANSITIONS[C.SUBMITTED] >= {C.TRANSFER_PENDING, C.TRANSFERRED_OUT, C.ACCEPTED}
    assert svc.TRANSITIONS[C.TRANSFER_PENDING] == {C.SUBMITTED, C.WITHDRAWN}
    assert svc.TRANSITIONS[C.ACCEPTED] >= {C.DIRECT, C.WITH_MERCHANT}
    assert svc.TRANSITIONS[C.DIRECT] == {
        C.WITH_MERCHANT,
        C.SETTLED,
        C.MEDIATION_FAILED,
        C.WITHDRAWN,
    }
    assert svc.TRANSITIONS[C.TRANSFERRED_OUT] == frozenset()
    assert (
        C.TRANSFERRED_OUT in ComplaintState.values and Complaint(state=C.TRANSFERRED_OUT).is_closed
    )
    assert not Complaint(state=C.TRANSFER_PENDING).is_closed
    assert not Complaint(state=C.DIRECT).is_closed


@pytest.mark.parametrize(("from_state", "to_state"), ILLEGAL_NEW)
def test_every_illegal_move_to_or_from_a_new_state_is_refused(unregistered, from_state, to_state):
    _move(unregistered, from_state)
    with _refused("cannot become"), transaction.atomic():
        svc.complaint_transition(unregistered, to=to_state, actor=None, role="system")
    assert Complaint.objects.get(pk=unregistered.pk).state == from_state
    assert unregistered.events.count() == 1


# Linking to a registered merchant


def test_an_unregistered_business_is_linked_then_passed_to_the_merchant(
    unregistered, merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    with _refused("Link the complaint to a registered merchant"):
        svc.complaint_accept(actor=county_regulator, complaint=unregistered)
    assert Complaint.objects.get(pk=unregistered.pk).state == C.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        handling.complaint_link_merchant(
            actor=county_regulator, complaint=unregistered, merchant=merchant
        )
    assert unregistered.merchant == merchant and unregistered.business_name == "路边电器店"
    assert unregistered.region_id == "330106" and unregistered.state == C.SUBMITTED
    event = unregistered.events.order_by("-id").first()
    assert event.message["code"] == "complaints.linked" and event.actor == county_regulator
    assert merchant.uscc in event.message_text
    assert AuditEntry.objects.filter(action="complaint.link_merchant", merchant=merchant).exists()
    # Not accepted yet: the merchant has neither seen nor heard of it.
    assert not Notification.objects.filter(user=owner).exists()
    assert not merchant_complaint_list(user=owner).exists()

    with django_capture_on_commit_callbacks(execute=True):
        svc.complaint_accept(actor=county_regulator, complaint=unregistered)
    assert unregistered.state == C.WITH_MERCHANT and unregistered.merchant_due
    assert list(merchant_complaint_list(user=owner)) == [unregistered]
    assert Notification.objects.filter(user=owner).count() == 2  # accepted, with the merchant


def test_linking_moves_the_complaint_to_the_merchants_county_the_handler_reaches(
    unregistered, binjiang_merchant, county_regulator, city_regulator
):
    svc.complaint_claim(actor=county_regulator, complaint=unregistered)
    handling.complaint_link_merchant(
        actor=city_regulator, complaint=unregistered, merchant=binjiang_merchant
    )
    assert unregistered.region_id == "330108" and unregistered.merchant == binjiang_merchant
    # Xihu's handler does not handle Binjiang's complaints: the complaint has none now.
    assert unregistered.handler is None
    assert _last_message(unregistered) == "complaints.linked.moved"


def test_a_merchant_beyond_the_handlers_reach_is_refused_with_the_way_out(
    unregistered, binjiang_merchant, county_regulator
):
    with _refused("transfer the complaint to"):
        handling.complaint_link_merchant(
            actor=county_regulator, complaint=unregistered, merchant=binjiang_merchant
        )
    unregistered.refresh_from_db()
    assert unregistered.merchant is None and unregistered.region_id == "330106"
    assert unregistered.events.count() == 1


def test_linking_is_refused_where_it_makes_no_sense(
    unregistered, merchant, other_merchant, county_regulator, other_county_regulator, owner
):
    with _refused("do not handle"):
        handling.complaint_link_merchant(
            actor=other_county_regulator, complaint=unregistered, merchant=merchant
        )
    with _refused("do not handle"):
        handling.complaint_link_merchant(actor=owner, complaint=unregistered, merchant=merchant)
    handling.complaint_link_merchant(
        actor=county_regulator, complaint=unregistered, merchant=merchant
    )
    with _refused("already linked"):
        handling.complaint_link_merchant(
            actor=county_regulator, complaint=unregistered, merchant=merchant
        )
    # Before it is passed on, a wrong link is corrected.
    handling.complaint_link_merchant(
        actor=county_regulator, complaint=unregistered, merchant=other_merchant
    )
    assert unregistered.merchant == other_merchant
    svc.complaint_accept(actor=county_regulator, complaint=unregistered)
    with _refused("can be changed only before it is passed on"):
        handling.complaint_link_merchant(
            actor=county_regulator, complaint=unregistered, merchant=merchant
        )
    _move(unregistered, C.SETTLED)
    with _refused("closed"):
        handling.complaint_link_merchant(
            actor=county_regulator, complaint=unregistered, merchant=merchant
        )


def test_linking_waits_for_a_pending_transfer(unregistered, merchant, county_regulator):
    handling.complaint_transfer(
        actor=county_regulator, complaint=unregistered, county=region("330108"), reason="店在滨江"
    )
    with _refused("waits for"):
        handling.complaint_link_merchant(
            actor=county_regulator, complaint=unregistered, merchant=merchant
        )


def test_the_search_finds_merchants_by_name_or_code_within_reach(
    unregistered, merchant, binjiang_merchant, county_regulator, city_regulator
):
    assert merchant_link_candidates(user=county_regulator, complaint=unregistered, q="西湖") == [
        merchant
    ]
    assert merchant_link_candidates(
        user=county_regulator, complaint=unregistered, q=merchant.uscc[:10]
    ) == [merchant]
    assert merchant_link_candidates(user=county_regulator, complaint=unregistered, q="滨江") == []
    assert merchant_link_candidates(user=city_regulator, complaint=unregistered, q="滨江") == [
        binjiang_merchant
    ]
    assert merchant_link_candidates(user=county_regulator, complaint=unregistered, q="西") == []


# Handling directly


def test_handled_directly_with_recorded_calls_and_visits_then_settled(
    unregistered, county_regulator, django_capture_on_commit_callbacks
):
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        handling.complaint_handle_directly(
            actor=county_regulator, complaint=unregistered, text="商户未入驻, 电话联系。"
        )
    assert unregistered.state == C.DIRECT and unregistered.handler == county_regulator
    assert unregistered.accepted_at is not None
    assert unregistered.close_due and unregistered.close_due > timezone.localdate()
    assert _steps(unregistered)[-2:] == [(C.SUBMITTED, C.ACCEPTED), (C.ACCEPTED, C.DIRECT)]
    # The consumer hears of each step (accepted, handled directly).
    assert [to for to, _text in sms.outbox] == [PHONE, PHONE]

    today = timezone.localdate()
    contact = handling.complaint_contact_record(
        actor=county_regulator,
        complaint=unregistered,
        method="phone",
        contacted_on=today,
        summary="店主同意退货退款。",
    )
    assert contact.event.message["code"] == "complaints.contact"
    assert contact.event.text == "店主同意退货退款。" and contact.actor == county_regulator
    assert "Phone call" in contact.event.message_text
    handling.complaint_contact_record(
        actor=county_regulator,
        complaint=unregistered,
        method="visit",
        contacted_on=today,
        summary="上门核实, 已退款。",
    )
    assert list(unregistered.contacts.values_list("method", flat=True)) == ["phone", "visit"]

    svc.complaint_settle(actor=county_regulator, complaint=unregistered, agreement="全额退款")
    assert unregistered.state == C.SETTLED and unregistered.closed_at is not None
    with _refused("Calls and visits are recorded while"):
        handling.complaint_contact_record(
            actor=county_regulator,
            complaint=unregistered,
            method="phone",
            contacted_on=today,
            summary="回访",
        )


def test_direct_handling_can_fail(unregistered, county_regulator):
    handling.complaint_handle_directly(actor=county_regulator, complaint=unregistered)
    svc.complaint_mediation_fail(actor=county_regulator, complaint=unregistered, text="商户拒绝")
    assert unregistered.state == C.MEDIATION_FAILED and unregistered.is_closed


def test_a_contact_needs_a_method_a_summary_and_a_possible_day(unregistered, county_regulator):
    handling.complaint_handle_directly(actor=county_regulator, complaint=unregistered)
    today = timezone.localdate()

    def record(**changes):
        data = {"method": "phone", "contacted_on": today, "summary": "通话"} | changes
        return handling.complaint_contact_record(
            actor=county_regulator, complaint=unregistered, **data
        )

    with _refused("how you were in contact"):
        record(method="telepathy")
    with _refused("what was said"):
        record(summary="  ")
    with _refused("in the future"):
        record(contacted_on=today + timedelta(days=1))
    with _refused("before the complaint was lodged"):
        record(contacted_on=today - timedelta(days=3))
    assert not ComplaintContact.objects.exists()


def test_contacts_only_while_handled_or_mediated_by_a_handler(
    unregistered, county_regulator, other_county_regulator
):
    with _refused("Calls and visits are recorded while"):
        handling.complaint_contact_record(
            actor=county_regulator,
            complaint=unregistered,
            method="phone",
            contacted_on=timezone.localdate(),
            summary="通话",
        )
    _move(unregistered, C.MEDIATION)
    with _refused("do not handle"):
        handling.complaint_contact_record(
            actor=other_county_regulator,
            complaint=unregistered,
            method="phone",
            contacted_on=timezone.localdate(),
            summary="通话",
        )
    handling.complaint_contact_record(
        actor=county_regulator,
        complaint=unregistered,
        method="office",
        contacted_on=timezone.localdate(),
        summary="约谈双方",
    )


def test_handled_directly_then_linked_and_passed_to_the_merchant(
    unregistered, merchant, owner, county_regulator
):
    handling.complaint_handle_directly(actor=county_regulator, complaint=unregistered)
    with _refused("Link the complaint to a registered merchant before passing it on"):
        handling.complaint_pass_to_merchant(actor=county_regulator, complaint=unregistered)
    handling.complaint_link_merchant(
        actor=county_regulator, complaint=unregistered, merchant=merchant
    )
    handling.complaint_pass_to_merchant(actor=county_regulator, complaint=unregistered)
    assert unregistered.state == C.WITH_MERCHANT and unregistered.merchant_due
    svc.complaint_propose(actor=owner, complaint=unregistered, proposal="退款159元")
    svc.complaint_accept_proposal(complaint=unregistered)
    assert unregistered.state == C.SETTLED


def test_direct_handling_and_passing_on_are_refused_in_other_states(
    complaint_with_merchant, county_regulator, other_county_regulator
):
    with _refused("do not handle"):
        handling.complaint_handle_directly(
            actor=other_county_regulator, complaint=complaint_with_merchant
        )
    with _refused("cannot become"):
        handling.complaint_pass_to_merchant(
            actor=county_regulator, complaint=complaint_with_merchant
        )
    svc.complaint_accept(actor=county_regulator, complaint=complaint_with_merchant)
    with _refused("cannot become"):
        handling.complaint_handle_directly(
            actor=county_regulator, complaint=complaint_with_merchant
        )


@pytest.fixture
def complaint_with_merchant(merchant) -> Complaint:
    return _lodge(merchant)


# Transfers within the province


def test_transferred_to_another_county_which_accepts_it(
    unregistered, county_regulator, other_county_regulator, django_capture_on_commit_callbacks
):
    county_regulator.complaint_notices = User.ComplaintNotices.DIGEST  # told of transfers too
    county_regulator.save(update_fields=["complaint_notices"])
    Complaint.objects.filter(pk=unregistered.pk).update(
        accept_due=timezone.localdate() - timedelta(days=1), is_overdue=True
    )
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        handling.complaint_transfer(
            actor=county_regulator,
            complaint=unregistered,
            county=region("330108"),
            reason="店铺实际在滨江区",
        )
    unregistered.refresh_from_db()
    assert unregistered.state == C.TRANSFER_PENDING and unregistered.transfer_to_id == "330108"
    assert unregistered.region_id == "330106"
    # The receiving county's handlers are told; the consumer hears of the step.
    note = Notification.objects.get(user=other_county_regulator)
    assert note.key.startswith("complaint-transfer-in:")
    assert "店铺实际在滨江区" in note.body and unregistered.number in note.subject
    assert [to for to, _text in sms.outbox] == [PHONE]
    assert not Notification.objects.filter(user=county_regulator).exists()

    with django_capture_on_commit_callbacks(execute=True):
        handling.complaint_transfer_accept(actor=other_county_regulator, complaint=unregistered)
    unregistered.refresh_from_db()
    assert unregistered.state == C.SUBMITTED and unregistered.region_id == "330108"
    assert unregistered.transfer_to is None and unregistered.handler is None
    assert not unregistered.is_overdue and unregistered.accept_due > timezone.localdate()
    assert _steps(unregistered)[-2:] == [
        (C.SUBMITTED, C.TRANSFER_PENDING),
        (C.TRANSFER_PENDING, C.SUBMITTED),
    ]
    assert _last_message(unregistered) == "complaints.transfer.accepted"
    # The requester hears of the answer; the audit log has both steps.
    assert Notification.objects.filter(
        user=county_regulator, key__startswith="complaint-transfer-decided:"
    ).exists()
    assert set(
        AuditEntry.objects.filter(action__startswith="complaint.transfer").values_list(
            "action", flat=True
        )
    ) == {"complaint.transfer", "complaint.transfer_accept"}
    # Binjiang handles it now; Xihu no longer does.
    handling.complaint_handle_directly(actor=other_county_regulator, complaint=unregistered)
    assert unregistered.state == C.DIRECT
    with _refused("do not handle"):
        svc.complaint_claim(actor=county_regulator, complaint=unregistered)


def test_the_receiving_county_refuses_it_back_with_a_reason(
    unregistered, county_regulator, other_county_regulator
):
    handling.complaint_transfer(
        actor=county_regulator, complaint=unregistered, county=region("330108"), reason="在滨江"
    )
    with _refused("Say why your county"):
        handling.complaint_transfer_refuse(
            actor=other_county_regulator, complaint=unregistered, reason=" "
        )
    handling.complaint_transfer_refuse(
        actor=other_county_regulator, complaint=unregistered, reason="经核实店铺在西湖区"
    )
    unregistered.refresh_from_db()
    assert unregistered.state == C.SUBMITTED and unregistered.region_id == "330106"
    assert unregistered.transfer_to is None
    event = unregistered.events.order_by("-id").first()
    assert (
        event.text == "经核实店铺在西湖区"
        and event.message["code"] == "complaints.transfer.refused"
    )
    assert Notification.objects.filter(
        user=county_regulator, key__startswith="complaint-transfer-decided:"
    ).exists()
    # Back in Xihu's hands, it can be handled there.
    handling.complaint_handle_directly(actor=county_regulator, complaint=unregistered)


def test_only_the_receiving_county_decides_a_transfer(
    unregistered, county_regulator, other_county_regulator, city_regulator
):
    with _refused("No transfer of this complaint is pending"):
        handling.complaint_transfer_accept(actor=other_county_regulator, complaint=unregistered)
    handling.complaint_transfer(
        actor=county_regulator, complaint=unregistered, county=region("330108"), reason="在滨江"
    )
    with _refused("Only the regulators of"):
        handling.complaint_transfer_accept(actor=county_regulator, complaint=unregistered)
    with _refused("Only the regulators of"):
        handling.complaint_transfer_refuse(
            actor=county_regulator, complaint=unregistered, reason="撤回"
        )
    gongshu = RegulatorFactory(username="reg-gongshu", region=region("330105"))
    with _refused("Only the regulators of"):
        handling.complaint_transfer_accept(actor=gongshu, complaint=unregistered)
    # The city reaches Binjiang: it may take the transfer for it.
    handling.complaint_transfer_accept(actor=city_regulator, complaint=unregistered)
    assert Complaint.objects.get(pk=unregistered.pk).region_id == "330108"


def test_a_transfer_is_refused_where_it_makes_no_sense(
    unregistered, merchant, county_regulator, other_county_regulator
):
    def transfer(county: str, reason: str = "不属本辖区", complaint=unregistered, actor=None):
        return handling.complaint_transfer(
            actor=actor or county_regulator,
            complaint=complaint,
            county=Region.objects.get(code=county),
            reason=reason,
        )

    with _refused("do not handle"):
        transfer("330108", actor=other_county_regulator)
    with _refused("Say why"):
        transfer("330108", reason="  ")
    with _refused("already"):
        transfer("330106")
    with _refused("Choose a county of the province"):
        transfer("330100")  # a city
    Region.objects.create(code="310000", name="上海市", level=Region.Level.PROVINCE)
    Region.objects.create(
        code="310101", name="黄浦区", level=Region.Level.COUNTY, parent_id="310000"
    )
    with _refused("Choose a county of the province"):
        transfer("310101")
    linked = _lodge(merchant, complainant_phone="13900000001")
    with _refused("a merchant registered in"):
        transfer("330108", complaint=linked)
    svc.complaint_accept(actor=county_regulator, complaint=linked)
    handling.complaint_handle_directly(actor=county_regulator, complaint=unregistered)
    with _refused("cannot become"):
        transfer("330108")
    assert not unregistered.events.filter(to_state=C.TRANSFER_PENDING).exists()


def test_the_consumer_may_withdraw_during_a_pending_transfer(unregistered, county_regulator):
    handling.complaint_transfer(
        actor=county_regulator, complaint=unregistered, county=region("330108"), reason="在滨江"
    )
    svc.complaint_withdraw(complaint=unregistered, text="已自行解决")
    unregistered.refresh_from_db()
    assert unregistered.state == C.WITHDRAWN and unregistered.transfer_to is None


# Transfer out of the province


def test_transferred_out_of_the_province_is_recorded_and_closed(
    unregistered, county_regulator, django_capture_on_commit_callbacks
):
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        handling.complaint_transfer_out(
            actor=county_regulator,
            complaint=unregistered,
            authority=" 上海市黄浦区市场监督管理局 ",
            province="310000",
            reason="网店经营主体在上海, 长三角联动处理。",
        )
    assert unregistered.state == C.TRANSFERRED_OUT and unregistered.is_closed
    assert unregistered.closed_at is not None
    assert unregistered.transferred_out_to == "上海市黄浦区市场监督管理局"
    assert unregistered.transferred_out_province == "310000"
    event = unregistered.events.order_by("-id").first()
    assert "Shanghai" in event.message_text and "上海市黄浦区市场监督管理局" in event.message_text
    assert [to for to, _text in sms.outbox] == [PHONE]
    assert "Transferred out of the province" in sms.outbox[0][1]
    with _refused("cannot become"):
        svc.complaint_accept(actor=county_regulator, complaint=unregistered)


def test_a_transfer_out_needs_an_authority_another_province_and_a_reason(
    unregistered, merchant, county_regulator
):
    def out(**changes):
        data = {"authority": "上海市黄浦区市场监督管理局", "province": "310000", "reason": "在上海"}
        return handling.complaint_transfer_out(
            actor=county_regulator, complaint=unregistered, **(data | changes)
        )

    with _refused("Name the authority"):
        out(authority=" ")
    with _refused("under 200"):
        out(authority="局" * 201)
    with _refused("Choose a province other than this one"):
        out(province="330000")
    with _refused("Choose a province other than this one"):
        out(province="999999")
    with _refused("Say why"):
        out(reason="")
    accepted = _lodge(merchant, complainant_phone="13900000001")
    svc.complaint_accept(actor=county_regulator, complaint=accepted)
    with _refused("cannot become"):
        handling.complaint_transfer_out(
            actor=county_regulator,
            complaint=accepted,
            authority="上海市黄浦区市场监督管理局",
            province="310000",
            reason="在上海",
        )
    assert Complaint.objects.get(pk=unregistered.pk).state == C.SUBMITTED


# Queue tabs, sweeps, figures and screening with the new states


def test_queue_tabs_place_the_new_states(
    merchant, county_regulator, other_county_regulator, city_regulator
):
    pending = _lodge(complainant_phone="13900000001")
    handling.complaint_transfer(
        actor=county_regulator, complaint=pending, county=region("330108"), reason="在滨江"
    )
    direct = _lodge(complainant_phone="13900000002")
    handling.complaint_handle_directly(actor=county_regulator, complaint=direct)
    out = _lodge(complainant_phone="13900000003")
    handling.complaint_transfer_out(
        actor=county_regulator, complaint=out, authority="某局", province="320000", reason="在江苏"
    )
    xihu = complaint_queue_counts(user=county_regulator)
    assert (xihu["new"], xihu["transfers"], xihu["mediation"], xihu["closed"]) == (0, 1, 1, 1)
    assert xihu["mine"] == 1  # handled directly (the one transferred out is closed)
    binjiang = complaint_queue_counts(user=other_county_regulator)
    assert binjiang == {
        "new": 0,
        "mine": 0,
        "mediation": 0,
        "overdue": 0,
        "transfers": 1,
        "closed": 0,
    }
    assert complaint_queue_counts(user=city_regulator)["transfers"] == 1


def test_the_sweep_flags_late_transfers_and_late_direct_handling(county_regulator):
    pending = _lodge(complainant_phone="13900000001")
    handling.complaint_transfer(
        actor=county_regulator, complaint=pending, county=region("330108"), reason="在滨江"
    )
    direct = _lodge(complainant_phone="13900000002")
    handling.complaint_handle_directly(actor=county_regulator, complaint=direct)
    out = _lodge(complainant_phone="13900000003")
    handling.complaint_transfer_out(
        actor=county_regulator, complaint=out, authority="某局", province="320000", reason="在江苏"
    )
    later = timezone.localdate() + timedelta(days=120)
    assert svc.complaints_sweep_deadlines(today=later) == {"overdue": 2, "to_mediation": 0}
    assert set(Complaint.objects.filter(is_overdue=True).values_list("pk", flat=True)) == {
        pending.pk,
        direct.pk,
    }
    assert svc.complaints_sweep_deadlines(today=later) == {"overdue": 0, "to_mediation": 0}


def test_public_figures_and_screening_count_only_what_the_merchant_answers_for(
    merchant, county_regulator
):
    accepted = _lodge(merchant, complainant_phone="13900000001")
    svc.complaint_accept(actor=county_regulator, complaint=accepted)
    out = _lodge(merchant, complainant_phone="13900000002")
    handling.complaint_transfer_out(
        actor=county_regulator, complaint=out, authority="某局", province="310000", reason="异地"
    )
    _lodge(merchant, complainant_phone="13900000003")  # waiting for a decision
    figures = merchant_complaint_figures(merchant_id=merchant.pk)
    assert (figures["received"], figures["accepted"], figures["open"]) == (3, 1, 2)
    counts = ComplaintTableSource().counts_bulk([merchant.uscc], date(2000, 1, 1))[merchant.uscc]
    assert (counts.open, counts.recent) == (1, 2)


def test_the_merchant_hears_nothing_of_a_complaint_declined_before_acceptance(
    merchant, owner, county_regulator, django_capture_on_commit_callbacks
):
    complaint = _lodge(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        svc.complaint_decline(actor=county_regulator, complaint=complaint, ground="too_old")
    assert not Notification.objects.filter(user=owner).exists()
    assert not [m for m in mail.outbox if m.to == [owner.email]]
    assert not merchant_complaint_list(user=owner).exists()


# The regulator's page


def _page(user, complaint, query: str = ""):
    return client_for(user).get(reverse("complaint-queue-detail", args=[complaint.pk]) + query)


def _post(user, name: str, complaint, data: dict | None = None, **extra):
    return client_for(user).post(reverse(name, args=[complaint.pk]), data or {}, **extra)


def test_the_page_searches_links_and_passes_on(unregistered, merchant, owner, county_regulator):
    html = _page(county_regulator, unregistered).content.decode()
    assert "Link to a registered merchant" in html and "Accept and handle directly" in html
    assert reverse("complaint-queue-accept", args=[unregistered.pk]) not in html
    html = _page(county_regulator, unregistered, "?q=西湖茶").content.decode()
    assert merchant.name in html and merchant.uscc in html
    assert reverse("complaint-queue-link", args=[unregistered.pk]) in html
    html = _page(county_regulator, unregistered, "?q=没有这家店").content.decode()
    assert "No registered merchant where you handle complaints matches" in html

    response = _post(
        county_regulator, "complaint-queue-link", unregistered, {"merchant": merchant.pk}
    )
    assert response.status_code == 302
    unregistered.refresh_from_db()
    assert unregistered.merchant == merchant
    html = _page(county_regulator, unregistered).content.decode()
    assert "Lodged as “路边电器店”" in html
    assert reverse("complaint-queue-accept", args=[unregistered.pk]) in html
    _post(county_regulator, "complaint-queue-accept", unregistered)
    unregistered.refresh_from_db()
    assert unregistered.state == C.WITH_MERCHANT
    merchant_page = client_for(owner).get(
        reverse("complaint-merchant-detail", args=[unregistered.pk])
    )
    assert merchant_page.status_code == 200


def test_the_page_refuses_a_merchant_outside_reach_with_a_clear_error(
    unregistered, binjiang_merchant, county_regulator
):
    response = _post(
        county_regulator,
        "complaint-queue-link",
        unregistered,
        {"merchant": binjiang_merchant.pk},
    )
    assert response.status_code == 200
    assert "one registered where you handle complaints" in response.content.decode()
    for bad in ("", "abc", "10" * 30):
        response = _post(county_regulator, "complaint-queue-link", unregistered, {"merchant": bad})
        assert response.status_code == 200 and "Choose a merchant" in response.content.decode()
    assert Complaint.objects.get(pk=unregistered.pk).merchant is None


def test_the_page_handles_directly_records_a_visit_and_closes(unregistered, county_regulator):
    response = _post(county_regulator, "complaint-queue-direct", unregistered, {"text": ""})
    assert response.status_code == 302
    unregistered.refresh_from_db()
    assert unregistered.state == C.DIRECT
    html = _page(county_regulator, unregistered).content.decode()
    assert "Record a call or visit" in html and "Record the agreement" in html
    today = timezone.localdate().isoformat()
    response = _post(
        county_regulator,
        "complaint-queue-contact",
        unregistered,
        {"method": "visit", "contacted_on": "2999-01-01", "summary": "上门"},
    )
    assert response.status_code == 200 and "cannot be in the future" in response.content.decode()
    response = _post(
        county_regulator,
        "complaint-queue-contact",
        unregistered,
        {"method": "visit", "contacted_on": today, "summary": "上门调解, 店主同意退款。"},
        follow=True,
    )
    html = response.content.decode()
    assert "上门调解, 店主同意退款。" in html and "Visit to the business" in html
    _post(county_regulator, "complaint-queue-settle", unregistered, {"agreement": "退款159元"})
    assert Complaint.objects.get(pk=unregistered.pk).state == C.SETTLED


def test_the_pages_transfer_and_the_other_county_accepts(
    unregistered, county_regulator, other_county_regulator
):
    html = _page(county_regulator, unregistered).content.decode()
    assert "To another county of the province" in html and "Out of the province" in html
    response = _post(
        county_regulator,
        "complaint-queue-transfer",
        unregistered,
        {"county": "330100", "reason": "在滨江"},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = _post(
        county_regulator,
        "complaint-queue-transfer",
        unregistered,
        {"county": "330108", "reason": "店铺在滨江"},
    )
    assert response.status_code == 302
    html = _page(county_regulator, unregistered).content.decode()
    assert "Waiting for" in html
    assert reverse("complaint-queue-transfer-accept", args=[unregistered.pk]) not in html

    queue = client_for(other_county_regulator).get(reverse("complaint-queue") + "?tab=transfers")
    assert [c.pk for c, _late in queue.context["rows"]] == [unregistered.pk]
    html = _page(other_county_regulator, unregistered).content.decode()
    assert "店铺在滨江" in html and "Accept the transfer" in html
    assert "Claim: I handle this complaint" not in html
    response = _post(other_county_regulator, "complaint-queue-transfer-accept", unregistered)
    assert response.url == reverse("complaint-queue-detail", args=[unregistered.pk])
    unregistered.refresh_from_db()
    assert unregistered.region_id == "330108" and unregistered.state == C.SUBMITTED
    assert _page(county_regulator, unregistered).status_code == 404
    assert (
        "Accept and handle directly" in _page(other_county_regulator, unregistered).content.decode()
    )


def test_the_page_refuses_a_transfer_back(unregistered, county_regulator, other_county_regulator):
    handling.complaint_transfer(
        actor=county_regulator, complaint=unregistered, county=region("330108"), reason="在滨江"
    )
    response = _post(
        other_county_regulator, "complaint-queue-transfer-refuse", unregistered, {"reason": ""}
    )
    assert response.status_code == 200 and "Say why your county" in response.content.decode()
    response = _post(
        other_county_regulator,
        "complaint-queue-transfer-refuse",
        unregistered,
        {"reason": "不在本区"},
    )
    assert response.url == reverse("complaint-queue") + "?tab=transfers"
    assert Complaint.objects.get(pk=unregistered.pk).state == C.SUBMITTED
    assert _page(other_county_regulator, unregistered).status_code == 404


def test_the_page_transfers_out_of_the_province(unregistered, county_regulator):
    response = _post(
        county_regulator,
        "complaint-queue-transfer-out",
        unregistered,
        {"authority": "上海市黄浦区市场监督管理局", "province": "330000", "reason": "在上海"},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = _post(
        county_regulator,
        "complaint-queue-transfer-out",
        unregistered,
        {"authority": "上海市黄浦区市场监督管理局", "province": "310000", "reason": "在上海"},
        follow=True,
    )
    html = response.content.decode()
    assert "Transferred to 上海市黄浦区市场监督管理局 (Shanghai)" in html
    assert Complaint.objects.get(pk=unregistered.pk).state == C.TRANSFERRED_OUT


HANDLING_PAGES = [
    ("complaint-queue-link", {"merchant": "1"}),
    ("complaint-queue-direct", {}),
    ("complaint-queue-contact", {"method": "phone", "contacted_on": "2026-01-01", "summary": "x"}),
    ("complaint-queue-pass", {}),
    ("complaint-queue-transfer", {"county": "330108", "reason": "x"}),
    ("complaint-queue-transfer-accept", {}),
    ("complaint-queue-transfer-refuse", {"reason": "x"}),
    ("complaint-queue-transfer-out", {"authority": "x", "province": "310000", "reason": "x"}),
]


@pytest.mark.parametrize("outsider", ["other_county_regulator", "owner", "consumer", "coordinator"])
def test_outsiders_get_404_on_every_handling_page(unregistered, merchant, outsider, request):
    if outsider == "coordinator":
        user = UserFactory(
            username="coord-xihu", role=User.Role.COORDINATOR, region=region("330106")
        )
    else:
        user = request.getfixturevalue(outsider)
    _page_url = reverse("complaint-queue-detail", args=[unregistered.pk])
    assert client_for(user).get(_page_url).status_code == 404
    for name, data in HANDLING_PAGES:
        assert _post(user, name, unregistered, data).status_code == 404, name
    unregistered.refresh_from_db()
    assert unregistered.state == C.SUBMITTED and unregistered.events.count() == 1


# The API


def _api(complaint: Complaint, action: str) -> str:
    return f"/api/v1/complaints/{complaint.pk}/{action}/"


def test_api_searches_links_and_passes_on(
    unregistered, merchant, binjiang_merchant, county_regulator
):
    client = api(county_regulator)
    response = client.get(_api(unregistered, "merchant-candidates") + "?q=西湖茶")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [merchant.pk]
    assert response.json()[0]["uscc"] == merchant.uscc
    assert client.get(_api(unregistered, "merchant-candidates")).json() == []
    response = client.post(
        _api(unregistered, "link-merchant"), {"merchant": binjiang_merchant.pk}, format="json"
    )
    assert response.status_code == 400 and "merchant" in response.json()
    response = client.post(
        _api(unregistered, "link-merchant"), {"merchant": merchant.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["merchant"] == merchant.pk
    assert response.json()["timeline"][-1]["message"].startswith("Linked to the registered")
    response = client.post(_api(unregistered, "accept"))
    assert response.status_code == 200 and response.json()["state"] == C.WITH_MERCHANT


def test_api_handles_directly_with_contacts(unregistered, county_regulator):
    client = api(county_regulator)
    response = client.post(_api(unregistered, "handle-directly"), {}, format="json")
    assert response.status_code == 200 and response.json()["state"] == C.DIRECT
    response = client.post(
        _api(unregistered, "contacts"),
        {"method": "phone", "contacted_on": "9999-12-31", "summary": "通话"},
        format="json",
    )
    assert response.status_code == 400 and "contacted_on" in response.json()
    response = client.post(
        _api(unregistered, "contacts"),
        {"method": "phone", "contacted_on": timezone.localdate().isoformat(), "summary": "通话"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["contacts"][0]["method"] == "phone"
    assert response.json()["contacts"][0]["summary"] == "通话"
    response = client.post(_api(unregistered, "pass-to-merchant"))
    assert response.status_code == 400 and "Link the complaint" in response.json()["detail"][0]
    response = client.post(_api(unregistered, "settle"), {"agreement": "退款"}, format="json")
    assert response.json()["state"] == C.SETTLED


def test_api_transfers_and_the_receiving_county_answers(
    unregistered, county_regulator, other_county_regulator, django_assert_max_num_queries
):
    sender, receiver = api(county_regulator), api(other_county_regulator)
    response = sender.post(
        _api(unregistered, "transfer"), {"county": "330199", "reason": "x"}, format="json"
    )
    assert response.status_code == 400 and "county" in response.json()
    response = sender.post(
        _api(unregistered, "transfer"), {"county": "330108", "reason": "在滨江"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == C.TRANSFER_PENDING
    assert response.json()["transfer_to"] == "330108"

    for i in range(5):
        other = _lodge(complainant_phone=f"1390000{i:04d}")
        handling.complaint_transfer(
            actor=county_regulator, complaint=other, county=region("330108"), reason="在滨江"
        )
    receiver.get("/api/v1/complaints/transfers/")
    with django_assert_max_num_queries(5):
        listing = receiver.get("/api/v1/complaints/transfers/")
    assert listing.json()["count"] == 6
    assert sender.get("/api/v1/complaints/transfers/").json()["count"] == 0

    url = f"/api/v1/complaints/transfers/{unregistered.pk}/"
    assert sender.post(url + "accept/").status_code == 403
    assert receiver.get(f"/api/v1/complaints/{unregistered.pk}/").status_code == 200
    response = receiver.post(url + "accept/")
    assert response.status_code == 200
    assert response.json()["county"] == "330108" and response.json()["state"] == C.SUBMITTED
    assert receiver.post(url + "accept/").status_code == 400  # nothing pending any more


def test_api_refuses_a_transfer_and_transfers_out(
    unregistered, county_regulator, other_county_regulator
):
    handling.complaint_transfer(
        actor=county_regulator, complaint=unregistered, county=region("330108"), reason="在滨江"
    )
    url = f"/api/v1/complaints/transfers/{unregistered.pk}/refuse/"
    receiver = api(other_county_regulator)
    assert receiver.post(url, {"reason": ""}, format="json").status_code == 400
    response = receiver.post(url, {"reason": "不在本区"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == C.SUBMITTED
    assert response.json()["county"] == "330106"

    sender = api(county_regulator)
    response = sender.post(
        _api(unregistered, "transfer-out"),
        {"authority": "上海市黄浦区市场监督管理局", "province": "330000", "reason": "在上海"},
        format="json",
    )
    assert response.status_code == 400
    response = sender.post(
        _api(unregistered, "transfer-out"),
        {"authority": "上海市黄浦区市场监督管理局", "province": "310000", "reason": "在上海"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["state"] == C.TRANSFERRED_OUT
    assert response.json()["transferred_out_province"] == "310000"


API_ACTIONS = [
    ("merchant-candidates", "get", {}),
    ("link-merchant", "post", {"merchant": 1}),
    ("handle-directly", "post", {}),
    ("contacts", "post", {"method": "phone", "contacted_on": "2026-01-01", "summary": "x"}),
    ("pass-to-merchant", "post", {}),
    ("transfer", "post", {"county": "330108", "reason": "x"}),
    ("transfer-out", "post", {"authority": "x", "province": "310000", "reason": "x"}),
]


@pytest.mark.parametrize("outsider", ["other_county_regulator", "other_owner", "consumer"])
def test_api_outsiders_get_404(unregistered, outsider, request, other_merchant):
    client = api(request.getfixturevalue(outsider))
    for action, method, data in API_ACTIONS:
        response = getattr(client, method)(_api(unregistered, action), data, format="json")
        assert response.status_code == 404, action
    for action in ("accept", "refuse"):
        url = f"/api/v1/complaints/transfers/{unregistered.pk}/{action}/"
        assert client.post(url, {"reason": "x"}, format="json").status_code == 404
    assert Complaint.objects.get(pk=unregistered.pk).events.count() == 1


def test_api_the_merchants_people_are_refused_the_handlers_actions(
    merchant, owner, county_regulator
):
    complaint = _lodge(merchant)
    svc.complaint_accept(actor=county_regulator, complaint=complaint)
    client = api(owner)
    for action, method, data in API_ACTIONS:
        response = getattr(client, method)(_api(complaint, action), data, format="json")
        assert response.status_code == 403, action
    assert Complaint.objects.get(pk=complaint.pk).state == C.WITH_MERCHANT


def test_the_timeline_shows_contacts_to_the_consumer(unregistered, county_regulator):
    handling.complaint_handle_directly(actor=county_regulator, complaint=unregistered)
    handling.complaint_contact_record(
        actor=county_regulator,
        complaint=unregistered,
        method="phone",
        contacted_on=timezone.localdate(),
        summary="店主同意明日退款。",
    )
    body = api().get(f"/api/v1/complaints/track/{unregistered.tracking_token}/").json()
    assert body["state"] == C.DIRECT
    assert body["timeline"][-1]["text"] == "店主同意明日退款。"
    assert "Phone call" in body["timeline"][-1]["message"]
    assert ComplaintEvent.objects.filter(complaint=unregistered, contact__isnull=False).count() == 1
