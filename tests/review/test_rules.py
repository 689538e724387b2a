"""Each screening rule on its own: pass, warn, fail, and its data source down."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from merchants.models import Declaration, Industry, Merchant, PenaltyRecord, Permit, QualityRecord
from merchants.models import DeclarationState as S
from merchants.services import declarations as declaration_services
from review.models import ScreeningRuleSetting
from review.rules import RULES, RuleContext, RuleResult
from review.rules.base import months_before
from review.rules.engine import evaluate, render_reasons, share_schemes
from review.rules.facts import BatchFacts
from tests.factories import (
    ColdChainRecordFactory,
    DeclarationFactory,
    FoodChainRecordFactory,
    PenaltyRecordFactory,
    PermitFactory,
    QualityRecordFactory,
    RegistryRecordFactory,
    pdf_upload,
    scheme,
)
from tests.review.fake_sources import sources_down

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)
PASS, WARN, FAIL, UNAVAILABLE, SKIPPED = "pass", "warn", "fail", "unavailable", "skipped"


@pytest.fixture
def declaration(merchant: Merchant, owner) -> Declaration:
    return DeclarationFactory(merchant=merchant, created_by=owner)


def only_rule(
    declaration: Declaration,
    code: str,
    *,
    on_breach: str = "",
    params: dict[str, Any] | None = None,
    today: date = TODAY,
) -> RuleResult:
    """Run one rule through the engine: the scheme's other rules switched off in the database."""
    ScreeningRuleSetting.objects.filter(scheme=declaration.scheme).update(enabled=False)
    ScreeningRuleSetting.objects.update_or_create(
        scheme=declaration.scheme,
        rule=code,
        defaults={"enabled": True, "on_breach": on_breach, "params": params or {}},
    )
    fresh = Declaration.objects.select_related("merchant").get(pk=declaration.pk)
    share_schemes([fresh])
    [evaluation] = evaluate([fresh], today=today)
    [check] = evaluation.checks
    assert check.setting.rule.code == code
    return check.result


def reason(result: RuleResult, language: str = "en") -> str:
    with translation.override(language):
        return result.reason.render()


def registry(merchant: Merchant, **fields: Any) -> None:
    RegistryRecordFactory(uscc=merchant.uscc, **fields)


# uscc_check_digit


def test_uscc_check_digit_passes_a_valid_code(declaration):
    result = only_rule(declaration, "uscc_check_digit")
    assert result.outcome == PASS
    assert result.data == {"uscc": declaration.merchant.uscc}


@pytest.mark.parametrize(
    ("mangle", "words"),
    [
        (lambda c: c[:-1] + ("0" if c[-1] != "0" else "1"), "check digit is wrong"),
        (lambda c: c[:-1], "does not have 18 characters"),
    ],
)
def test_uscc_check_digit_fails_a_bad_code(declaration, mangle, words):
    bad = mangle(declaration.merchant.uscc)
    Merchant.objects.filter(pk=declaration.merchant_id).update(uscc=bad)
    result = only_rule(declaration, "uscc_check_digit")
    assert result.outcome == FAIL
    assert words in reason(result) and bad in reason(result)
    assert "correct it in the merchant profile" in reason(result)


# entity_active


def test_entity_active_passes_an_active_entity(declaration):
    registry(declaration.merchant, record_id="REG-1")
    result = only_rule(declaration, "entity_active")
    assert result.outcome == PASS
    assert result.data["registry"]["record_id"] == "REG-1"


def test_entity_active_warns_when_the_registry_has_no_record(declaration):
    result = only_rule(declaration, "entity_active")
    assert result.outcome == WARN
    assert "No registry record was found" in reason(result)
    assert result.data == {"registry": None}


def test_entity_active_fails_a_revoked_entity(declaration):
    registry(declaration.merchant, entity_status="revoked", record_id="REG-2")
    result = only_rule(declaration, "entity_active")
    assert result.outcome == FAIL
    assert "Licence revoked" in reason(result) and "REG-2" in reason(result)


def test_entity_active_only_warns_when_set_to_warn(declaration):
    registry(declaration.merchant, entity_status="suspended")
    assert only_rule(declaration, "entity_active", on_breach=WARN).outcome == WARN


def test_entity_active_registry_down(declaration, settings):
    sources_down(settings, "registry")
    result = only_rule(declaration, "entity_active")
    assert result.outcome == UNAVAILABLE
    assert "enterprise registry" in reason(result)
    assert result.data["source"] == "registry"


# licence_valid


def test_licence_valid_passes_by_the_registry_date(declaration):
    registry(declaration.merchant, licence_valid_until=date(2030, 1, 1))
    result = only_rule(declaration, "licence_valid")
    assert result.outcome == PASS and "valid until 2030-01-01" in reason(result)
    assert result.data["basis"] == "registry"


def test_licence_valid_long_term_licence(declaration):
    registry(declaration.merchant, licence_valid_until=None)
    result = only_rule(declaration, "licence_valid")
    assert result.outcome == PASS and "long-term" in reason(result)


def test_licence_valid_fails_an_expired_licence_in_both_languages(declaration):
    registry(declaration.merchant, licence_valid_until=date(2025, 3, 1))
    result = only_rule(declaration, "licence_valid")
    assert result.outcome == FAIL
    assert reason(result) == (
        "The business licence expired on 2025-03-01 — renew it at the registry, then resubmit."
    )
    assert "营业执照已于2025-03-01过期" in reason(result, "zh-hans")


def test_licence_valid_warns_shortly_before_expiry(declaration):
    registry(declaration.merchant, licence_valid_until=TODAY + timedelta(days=20))
    result = only_rule(declaration, "licence_valid")
    assert result.outcome == WARN and "within 30 days" in reason(result)
    assert only_rule(declaration, "licence_valid", params={"warn_within_days": 10}).outcome == PASS


def test_licence_valid_uses_the_merchant_profile_without_a_registry_record(declaration):
    Merchant.objects.filter(pk=declaration.merchant_id).update(
        licence_valid_from=date(2015, 1, 1), licence_valid_until=date(2026, 1, 31)
    )
    result = only_rule(declaration, "licence_valid")
    assert result.outcome == FAIL and "expired on 2026-01-31" in reason(result)
    assert result.data["basis"] == "merchant_profile"
    assert only_rule(declaration, "licence_valid", on_breach=WARN).outcome == WARN


def test_licence_valid_registry_down(declaration, settings):
    sources_down(settings, "registry")
    assert only_rule(declaration, "licence_valid").outcome == UNAVAILABLE


# not_on_lists


def test_not_on_lists_passes_a_clean_entity(declaration):
    registry(declaration.merchant)
    assert only_rule(declaration, "not_on_lists").outcome == PASS


def test_not_on_lists_warns_for_the_abnormal_operations_list(declaration):
    registry(declaration.merchant, on_abnormal_list=True)
    result = only_rule(declaration, "not_on_lists")
    assert result.outcome == WARN and "abnormal-operations list" in reason(result)
    strict = only_rule(declaration, "not_on_lists", params={"abnormal_list": FAIL})
    assert strict.outcome == FAIL


def test_not_on_lists_fails_for_the_serious_dishonesty_list(declaration):
    registry(declaration.merchant, on_dishonest_list=True, on_abnormal_list=True)
    result = only_rule(declaration, "not_on_lists")
    assert result.outcome == FAIL
    assert "serious-dishonesty list" in reason(result)
    assert "abnormal-operations" not in reason(result)  # only the worst finding is the reason


def test_not_on_lists_is_skipped_without_a_registry_record(declaration):
    assert only_rule(declaration, "not_on_lists").outcome == SKIPPED


def test_not_on_lists_registry_down(declaration, settings):
    sources_down(settings, "registry")
    assert only_rule(declaration, "not_on_lists").outcome == UNAVAILABLE


# no_recent_penalty


def penalty(merchant: Merchant, days_ago: int, severity: str) -> None:
    PenaltyRecordFactory(
        uscc=merchant.uscc,
        decided_on=TODAY - timedelta(days=days_ago),
        severity=severity,
        description="销售过期食品",
    )


def test_no_recent_penalty_passes_without_penalties_in_the_window(declaration):
    penalty(declaration.merchant, 400, PenaltyRecord.Severity.SERIOUS)  # older than 12 months
    result = only_rule(declaration, "no_recent_penalty")
    assert result.outcome == PASS and "last 12 months" in reason(result)
    assert only_rule(declaration, "no_recent_penalty", params={"months": 24}).outcome == FAIL


def test_no_recent_penalty_warns_for_an_ordinary_penalty(declaration):
    penalty(declaration.merchant, 60, PenaltyRecord.Severity.ORDINARY)
    penalty(declaration.merchant, 90, PenaltyRecord.Severity.MINOR)
    result = only_rule(declaration, "no_recent_penalty")
    assert result.outcome == WARN
    assert reason(result).startswith("2 administrative penalties in the last 12 months")
    assert len(result.data["penalties"]) == 2


def test_no_recent_penalty_fails_for_a_serious_penalty(declaration):
    penalty(declaration.merchant, 30, PenaltyRecord.Severity.SERIOUS)
    result = only_rule(declaration, "no_recent_penalty")
    assert result.outcome == FAIL and "销售过期食品" in reason(result)
    assert only_rule(declaration, "no_recent_penalty", on_breach=WARN).outcome == WARN


def test_no_recent_penalty_enforcement_down(declaration, settings):
    sources_down(settings, "enforcement")
    assert only_rule(declaration, "no_recent_penalty").outcome == UNAVAILABLE


# permit_valid


@pytest.fixture
def restaurant(declaration) -> Declaration:
    Merchant.objects.filter(pk=declaration.merchant_id).update(industry=Industry.CATERING)
    return declaration


def test_permit_valid_is_skipped_for_a_retail_merchant(declaration):
    result = only_rule(declaration, "permit_valid")
    assert result.outcome == SKIPPED and "Retail" in reason(result)


def test_permit_valid_passes_a_restaurant_with_a_valid_permit(restaurant):
    PermitFactory(
        merchant=restaurant.merchant, number="JY13301060001", valid_until=date(2029, 1, 1)
    )
    result = only_rule(restaurant, "permit_valid")
    assert result.outcome == PASS and "JY13301060001" in reason(result)


def test_permit_valid_accepts_a_permit_known_to_the_food_chain(restaurant):
    FoodChainRecordFactory(
        uscc=restaurant.merchant.uscc, permit_number="JY2330", permit_valid_until=date(2028, 1, 1)
    )
    result = only_rule(restaurant, "permit_valid")
    assert result.outcome == PASS and "food traceability system" in reason(result)


def test_permit_valid_fails_an_expired_permit(restaurant):
    PermitFactory(merchant=restaurant.merchant, number="JY1", valid_until=date(2026, 5, 1))
    result = only_rule(restaurant, "permit_valid")
    assert result.outcome == FAIL
    assert reason(result) == (
        "Food business licence JY1 expired on 2026-05-01 — renew it, record the new one in the "
        "merchant profile, then resubmit."
    )


def test_permit_valid_fails_a_restaurant_without_a_permit(restaurant):
    result = only_rule(restaurant, "permit_valid")
    assert result.outcome == FAIL
    assert "No valid Food business licence is on file" in reason(result)
    assert "Catering" in reason(result)
    assert only_rule(restaurant, "permit_valid", on_breach=WARN).outcome == WARN


def test_permit_valid_needs_a_production_licence_for_a_factory(merchant, owner):
    factory = DeclarationFactory(
        merchant=merchant, created_by=owner, scheme=scheme("assured-factory")
    )
    result = only_rule(factory, "permit_valid", params={"require_any_of": ["production"]})
    assert result.outcome == FAIL and "this scheme needs one" in reason(result)
    PermitFactory(merchant=merchant, permit_type=Permit.Type.INDUSTRIAL_PRODUCTION, number="XK1")
    result = only_rule(factory, "permit_valid", params={"require_any_of": ["production"]})
    assert result.outcome == PASS and "XK1" in reason(result)


def test_permit_valid_food_chain_down(restaurant, settings):
    sources_down(settings, "food_chain")
    assert only_rule(restaurant, "permit_valid").outcome == UNAVAILABLE
    # A valid permit on the profile does not need the food chain at all.
    PermitFactory(merchant=restaurant.merchant, valid_until=date(2029, 1, 1))
    assert only_rule(restaurant, "permit_valid").outcome == PASS


# no_failed_quality_check


def spot_check(merchant: Merchant, days_ago: int, result: str) -> None:
    QualityRecordFactory(
        uscc=merchant.uscc, checked_on=TODAY - timedelta(days=days_ago), result=result
    )


def test_no_failed_quality_check_passes(declaration):
    spot_check(declaration.merchant, 30, QualityRecord.Result.PASS)
    spot_check(declaration.merchant, 500, QualityRecord.Result.FAIL)  # outside the window
    result = only_rule(declaration, "no_failed_quality_check")
    assert result.outcome == PASS and reason(result).startswith("1 product spot check")


def test_no_failed_quality_check_warns_by_default(declaration):
    spot_check(declaration.merchant, 30, QualityRecord.Result.FAIL)
    result = only_rule(declaration, "no_failed_quality_check")
    assert result.outcome == WARN and "the reviewer will ask" in reason(result)


def test_no_failed_quality_check_fails_when_set_to_fail(declaration):
    spot_check(declaration.merchant, 30, QualityRecord.Result.FAIL)
    result = only_rule(declaration, "no_failed_quality_check", on_breach=FAIL)
    assert result.outcome == FAIL and "have the product checked again" in reason(result)


def test_no_failed_quality_check_quality_down(declaration, settings):
    sources_down(settings, "quality")
    assert only_rule(declaration, "no_failed_quality_check").outcome == UNAVAILABLE


# cold_chain_compliant


def cold_chain(merchant: Merchant, days_ago: int, compliant: bool) -> None:
    ColdChainRecordFactory(
        uscc=merchant.uscc,
        checked_on=TODAY - timedelta(days=days_ago),
        compliant=compliant,
        note="" if compliant else "冷库温度超标",
    )


def test_cold_chain_compliant_is_skipped_without_records(declaration):
    assert only_rule(declaration, "cold_chain_compliant").outcome == SKIPPED


def test_cold_chain_compliant_passes(declaration):
    cold_chain(declaration.merchant, 20, True)
    assert only_rule(declaration, "cold_chain_compliant").outcome == PASS


def test_cold_chain_compliant_warns_for_non_compliance(declaration):
    cold_chain(declaration.merchant, 20, True)
    cold_chain(declaration.merchant, 40, False)
    result = only_rule(declaration, "cold_chain_compliant")
    assert result.outcome == WARN and "冷库温度超标" in reason(result)
    assert only_rule(declaration, "cold_chain_compliant", on_breach=FAIL).outcome == FAIL


def test_cold_chain_compliant_cold_chain_down(declaration, settings):
    sources_down(settings, "cold_chain")
    assert only_rule(declaration, "cold_chain_compliant").outcome == UNAVAILABLE


# commitments_and_documents


def test_commitments_and_documents_passes_a_complete_declaration(declaration, owner):
    declaration_services.declaration_update(
        actor=owner, declaration=declaration, commitments=declaration.scheme.commitments.all()
    )
    for doc in declaration.scheme.required_documents.filter(is_mandatory=True):
        declaration_services.declaration_attach_document(
            actor=owner, declaration=declaration, required_document=doc, upload=pdf_upload()
        )
    assert only_rule(declaration, "commitments_and_documents").outcome == PASS


def test_commitments_and_documents_fails_with_what_is_missing(declaration):
    result = only_rule(declaration, "commitments_and_documents")
    assert result.outcome == FAIL
    assert "Commitment not accepted" in reason(result)
    assert "Document missing" in reason(result)
    assert result.data["missing"]


# no_duplicate_open_declaration


def test_no_duplicate_open_declaration_passes(declaration):
    assert only_rule(declaration, "no_duplicate_open_declaration").outcome == PASS


def test_no_duplicate_open_declaration_fails_when_another_is_open(declaration):
    # The database constraint normally prevents this; the rule is belt and braces.
    other = DeclarationFactory(merchant=declaration.merchant, state=S.REJECTED)
    other.state = S.PENDING_REVIEW

    class Facts(BatchFacts):
        def __init__(self) -> None:  # no batch to fetch for: only the duplicates are asked
            pass

        def open_duplicates(self, d: Declaration) -> list[Declaration]:
            return [other]

    rule = RULES["no_duplicate_open_declaration"]
    context = RuleContext(declaration, declaration.merchant, rule.resolve(), TODAY, Facts())
    result = rule.check(context)
    assert result.outcome == FAIL
    assert f"no. {other.pk}" in reason(result) and "Pending review" in reason(result)


# The engine and the settings


def test_every_rule_is_seeded_for_every_scheme():
    for code in ("assured-unit", "no-reason-return", "assured-factory", "assured-district"):
        rules = set(
            ScreeningRuleSetting.objects.filter(scheme__code=code).values_list("rule", flat=True)
        )
        assert rules == set(RULES)
    factory = ScreeningRuleSetting.objects.get(scheme__code="assured-factory", rule="permit_valid")
    assert factory.params["require_any_of"] == ["production", "food_production"]


def test_reasons_are_rendered_in_both_languages(declaration):
    registry(declaration.merchant, licence_valid_until=date(2025, 3, 1))
    ScreeningRuleSetting.objects.filter(scheme=declaration.scheme).exclude(
        rule="licence_valid"
    ).update(enabled=False)
    fresh = Declaration.objects.select_related("merchant").get(pk=declaration.pk)
    share_schemes([fresh])
    evaluations = evaluate([fresh], today=TODAY)
    zh, en = render_reasons(evaluations)[(fresh.pk, 0)]
    assert en.startswith("The business licence expired on 2025-03-01")
    assert zh.startswith("营业执照已于2025-03-01过期")


@pytest.mark.parametrize(
    ("rule", "on_breach", "params", "field"),
    [
        ("uscc_check_digit", "warn", {}, "on_breach"),
        ("no_recent_penalty", "", {"month": 12}, "params"),
        ("no_recent_penalty", "", {"months": "12"}, "params"),
        ("no_recent_penalty", "", {"months": -1}, "params"),
        ("not_on_lists", "", {"abnormal_list": "ignore"}, "params"),
        ("permit_valid", "", {"food_industries": "catering"}, "params"),
    ],
)
def test_rule_settings_are_validated(rule, on_breach, params, field):
    setting = ScreeningRuleSetting(
        scheme=scheme("assured-unit"), rule=rule, on_breach=on_breach, params=params
    )
    with pytest.raises(ValidationError) as excinfo:
        setting.full_clean(validate_unique=False, validate_constraints=False)
    assert field in excinfo.value.message_dict


def test_valid_rule_settings_pass_validation():
    setting = ScreeningRuleSetting(
        scheme=scheme("assured-unit"),
        rule="no_recent_penalty",
        on_breach="warn",
        params={"months": 24},
    )
    setting.full_clean(validate_unique=False, validate_constraints=False)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 6, 1), 12, date(2025, 6, 1)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected
