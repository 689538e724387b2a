"""The screening rules of DESIGN.md ("Automatic first-pass screening"), one function each.

Which rules run for a scheme, what a breach does (warn or fail) and the thresholds are data
(`review.models.ScreeningRuleSetting`); the defaults here apply where no row says otherwise.
Reasons say what was found and what the merchant can do about it.

The complaint-count rule reads the platform's own complaints through the "complaints" source
(merchants.sources.ComplaintSource, provided by the complaints app), like any external source.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from merchants.models import DeclarationState, Industry, PenaltyRecord, Permit, RegistryRecord
from merchants.services.declarations import declaration_missing_items
from review.rules.base import (
    Breach,
    CheckOutcome,
    Message,
    RuleContext,
    RuleResult,
    failed,
    passed,
    rule,
    skipped,
    warned,
)

WARN_OR_FAIL = (Breach.WARN, Breach.FAIL)

# Plural messages are built once: ngettext_lazy makes a class per call.
PENALTIES_TEXT = ngettext_lazy(
    "%(count)d administrative penalty in the last %(months)s months, the latest on "
    "%(date)s (%(severity)s): %(what)s — the reviewer will weigh it.",
    "%(count)d administrative penalties in the last %(months)s months, the latest on "
    "%(date)s (%(severity)s): %(what)s — the reviewer will weigh them.",
    "count",
)

SPOT_CHECKS_TEXT = ngettext_lazy(
    "%(count)d product spot check in the last %(months)s months; none failed.",
    "%(count)d product spot checks in the last %(months)s months; none failed.",
    "count",
)

OPEN_COMPLAINTS_TEXT = ngettext_lazy(
    "%(count)d accepted complaint is still open (at most %(max)s).",
    "%(count)d accepted complaints are still open (at most %(max)s).",
    "count",
)

RECENT_COMPLAINTS_TEXT = ngettext_lazy(
    "%(count)d complaint in the last %(days)s days (at most %(max)s).",
    "%(count)d complaints in the last %(days)s days (at most %(max)s).",
    "count",
)

COLD_CHAIN_CHECKS_TEXT = ngettext_lazy(
    "%(count)d cold-chain check in the last %(months)s months; all compliant.",
    "%(count)d cold-chain checks in the last %(months)s months; all compliant.",
    "count",
)


def _label(choices: Any, value: str) -> Any:
    """The (lazy) label of a choice, or the raw value from a source that sent something new."""
    try:
        return choices(value).label
    except ValueError:
        return value


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _worst(results: list[RuleResult]) -> RuleResult:
    """One result from several findings: the worst outcome, the reasons one after another."""
    rank = [CheckOutcome.PASS, CheckOutcome.WARN, CheckOutcome.FAIL]
    outcome = max((r.outcome for r in results), key=rank.index)
    shown = [r for r in results if r.outcome == outcome]
    if len(shown) == 1:
        reason = shown[0].reason
    else:
        placeholders = " ".join(f"%(r{i})s" for i in range(len(shown)))
        reason = Message(placeholders, **{f"r{i}": r.reason.render for i, r in enumerate(shown)})
    data: dict[str, Any] = {}
    for r in results:
        data |= r.data
    return RuleResult(outcome, reason, data)


@rule(
    "uscc_check_digit",
    label=_("Credit code check digit"),
    description=_(
        "The unified social credit code has 18 characters and a correct check digit "
        "(GB 32100-2015)."
    ),
    order=10,
)
def uscc_check_digit(ctx: RuleContext) -> RuleResult:
    code = ctx.merchant.uscc
    data = {"uscc": code}
    try:
        stdnum_uscc.validate(code)
    except ValidationError as exc:
        if isinstance(exc, InvalidChecksum):
            problem = _("its check digit is wrong")
        elif isinstance(exc, InvalidLength):
            problem = _("it does not have 18 characters")
        else:
            problem = _("it contains characters a credit code cannot have")
        return failed(
            Message(
                _(
                    "The unified social credit code %(uscc)s is not valid: %(problem)s — correct "
                    "it in the merchant profile, then resubmit."
                ),
                uscc=code,
                problem=problem,
            ),
            data,
        )
    return passed(
        Message(
            _(
                "The unified social credit code %(uscc)s is well formed and its check digit is "
                "right."
            ),
            uscc=code,
        ),
        data,
    )


@rule(
    "entity_active",
    label=_("Entity active in the registry"),
    description=_(
        "The enterprise registry lists the entity as active (存续). A merchant the registry does "
        "not know is a warning for the reviewer."
    ),
    order=20,
    sources=("registry",),
    breach=WARN_OR_FAIL,
)
def entity_active(ctx: RuleContext) -> RuleResult:
    record = ctx.source("registry")
    if record is None:
        return warned(
            Message(
                _(
                    "No registry record was found for %(uscc)s; the reviewer will check the "
                    "entity by hand."
                ),
                uscc=ctx.merchant.uscc,
            ),
            {"registry": None},
        )
    data = {"registry": record.to_json()}
    params = {"record": record.record_id, "as_of": _iso(record.as_of)}
    if record.entity_status == RegistryRecord.Status.ACTIVE:
        return passed(
            Message(
                _("The registry lists the entity as active (record %(record)s, as of %(as_of)s)."),
                **params,
            ),
            data,
        )
    return ctx.breach(
        Message(
            _(
                "The registry lists the entity as “%(status)s” (record %(record)s, as of "
                "%(as_of)s) — only an active entity can join; settle its status with the "
                "registry, then resubmit."
            ),
            status=_label(RegistryRecord.Status, record.entity_status),
            **params,
        ),
        data,
    )


@rule(
    "licence_valid",
    label=_("Business licence not expired"),
    description=_(
        "The business licence is valid today, by the registry's date or, when the registry has "
        "no record, the merchant's own. Parameter warn_within_days: warn when it expires that "
        "soon."
    ),
    order=30,
    sources=("registry",),
    params={"warn_within_days": 30},
    breach=WARN_OR_FAIL,
)
def licence_valid(ctx: RuleContext) -> RuleResult:
    record = ctx.source("registry")
    if record is not None:
        until, basis = record.licence_valid_until, "registry"
        data: dict[str, Any] = {"registry": record.to_json(), "basis": basis}
    else:
        until, basis = ctx.merchant.licence_valid_until, "merchant_profile"
        data = {"registry": None, "basis": basis, "licence_valid_until": _iso(until)}
    if until is None:
        if basis == "registry":
            text = _("The business licence has no end date (long-term), says the registry.")
        else:
            text = _("The business licence has no end date (long-term), says the merchant profile.")
        return passed(Message(text), data)
    if until < ctx.today:
        return ctx.breach(
            Message(
                _(
                    "The business licence expired on %(date)s — renew it at the registry, then "
                    "resubmit."
                ),
                date=_iso(until),
            ),
            data,
        )
    within = int(ctx.params["warn_within_days"])
    if (until - ctx.today).days <= within:
        return warned(
            Message(
                _(
                    "The business licence expires on %(date)s, within %(days)s days — renew it in "
                    "time."
                ),
                date=_iso(until),
                days=within,
            ),
            data,
        )
    return passed(
        Message(_("The business licence is valid until %(date)s."), date=_iso(until)), data
    )


@rule(
    "not_on_lists",
    label=_("Not on the abnormal-operations or serious-dishonesty list"),
    description=_(
        "The registry does not list the entity as abnormal (经营异常名录) or seriously dishonest "
        "(严重违法失信名单). Parameters abnormal_list and dishonest_list: “warn” or “fail”."
    ),
    order=40,
    sources=("registry",),
    params={"abnormal_list": Breach.WARN.value, "dishonest_list": Breach.FAIL.value},
    breach=(),
    default="",
)
def not_on_lists(ctx: RuleContext) -> RuleResult:
    record = ctx.source("registry")
    if record is None:
        return skipped(
            Message(_("No registry record: the registry's lists could not be checked.")),
            {"registry": None},
        )
    data = {"registry": record.to_json()}
    findings: list[RuleResult] = []
    if record.on_dishonest_list:
        findings.append(
            RuleResult(
                ctx.params["dishonest_list"],
                Message(
                    _(
                        "The entity is on the serious-dishonesty list (严重违法失信名单) — it can "
                        "declare again once the registry has removed it."
                    )
                ),
                data,
            )
        )
    if record.on_abnormal_list:
        findings.append(
            RuleResult(
                ctx.params["abnormal_list"],
                Message(
                    _(
                        "The entity is on the abnormal-operations list (经营异常名录) — file the "
                        "missing annual report or correct the registered address so the registry "
                        "removes it."
                    )
                ),
                data,
            )
        )
    if not findings:
        return passed(
            Message(
                _(
                    "The entity is on neither the abnormal-operations nor the serious-dishonesty "
                    "list (record %(record)s, as of %(as_of)s)."
                ),
                record=record.record_id,
                as_of=_iso(record.as_of),
            ),
            data,
        )
    return _worst(findings)


@rule(
    "no_recent_penalty",
    label=_("No recent administrative penalty"),
    description=_(
        "No administrative penalty in the last `months` months (law-enforcement data). A serious "
        "penalty is a breach (warn or fail, as set); minor and ordinary ones are warnings."
    ),
    order=50,
    sources=("enforcement",),
    params={"months": 12},
    breach=WARN_OR_FAIL,
)
def no_recent_penalty(ctx: RuleContext) -> RuleResult:
    months = int(ctx.params["months"])
    penalties = [p for p in ctx.source("enforcement") or [] if p.decided_on >= ctx.since]
    data = {"since": _iso(ctx.since), "penalties": [p.to_json() for p in penalties]}
    if not penalties:
        return passed(
            Message(_("No administrative penalty in the last %(months)s months."), months=months),
            data,
        )
    serious = [p for p in penalties if p.severity == PenaltyRecord.Severity.SERIOUS]
    if serious:
        p = serious[0]
        return ctx.breach(
            Message(
                _(
                    "A serious administrative penalty was decided on %(date)s: %(what)s — the "
                    "declaration can succeed once it is more than %(months)s months old."
                ),
                date=_iso(p.decided_on),
                what=p.description,
                months=months,
            ),
            data,
        )
    latest = penalties[0]
    return warned(
        Message(
            PENALTIES_TEXT,
            count=len(penalties),
            months=months,
            date=_iso(latest.decided_on),
            severity=_label(PenaltyRecord.Severity, latest.severity),
            what=latest.description,
        ),
        data,
    )


def _permit_labels(types: list[str]) -> Any:
    return lambda: " / ".join(str(_label(Permit.Type, t)) for t in types)


def _require_permit(ctx: RuleContext, types: list[str], *, for_industry: bool) -> RuleResult:
    """A valid permit of one of the types: from the merchant profile, or for a food business
    licence also from the food traceability system (asked only if the profile has none)."""
    own = [p for p in ctx.facts.permits(ctx.merchant.pk) if p.permit_type in types]
    data: dict[str, Any] = {
        "required": types,
        "permits": [
            {"type": p.permit_type, "number": p.number, "valid_until": _iso(p.valid_until)}
            for p in own
        ],
    }
    valid = [p for p in own if p.valid_until >= ctx.today]
    if valid:
        p = valid[0]
        return passed(
            Message(
                _("%(permit)s %(number)s is valid until %(date)s."),
                permit=_label(Permit.Type, p.permit_type),
                number=p.number,
                date=_iso(p.valid_until),
            ),
            data,
        )
    if Permit.Type.FOOD_BUSINESS in types:
        chain = ctx.source("food_chain") or []
        data["food_chain"] = [f.to_json() for f in chain]
        chain_valid = [f for f in chain if f.permit_valid_until >= ctx.today]
        if chain_valid:
            f = chain_valid[0]
            return passed(
                Message(
                    _(
                        "The food traceability system holds food permit %(number)s, valid until "
                        "%(date)s."
                    ),
                    number=f.permit_number,
                    date=_iso(f.permit_valid_until),
                ),
                data,
            )
        if chain and not own:
            f = chain[0]
            return ctx.breach(
                Message(
                    _(
                        "Food permit %(number)s expired on %(date)s — renew it, record the new "
                        "one in the merchant profile, then resubmit."
                    ),
                    number=f.permit_number,
                    date=_iso(f.permit_valid_until),
                ),
                data,
            )
    if own:
        p = own[0]
        return ctx.breach(
            Message(
                _(
                    "%(permit)s %(number)s expired on %(date)s — renew it, record the new one in "
                    "the merchant profile, then resubmit."
                ),
                permit=_label(Permit.Type, p.permit_type),
                number=p.number,
                date=_iso(p.valid_until),
            ),
            data,
        )
    if for_industry:
        text = _(
            "No valid %(permits)s is on file, and a %(industry)s merchant needs one — add it to "
            "the merchant profile, then resubmit."
        )
    else:
        text = _(
            "No valid %(permits)s is on file, and this scheme needs one — add it to the "
            "merchant profile, then resubmit."
        )
    return ctx.breach(
        Message(
            text,
            permits=_permit_labels(types),
            industry=_label(Industry, ctx.merchant.industry),
        ),
        data,
    )


@rule(
    "permit_valid",
    label=_("Required permit present and valid"),
    description=_(
        "Merchants of the industries in food_industries need a valid food business licence "
        "(from the merchant profile or the food traceability system); require_any_of lists "
        "permit types of which the scheme needs one valid (e.g. a production licence for "
        "factories)."
    ),
    order=60,
    sources=("food_chain",),
    params={
        "food_industries": [Industry.CATERING.value, Industry.SUPERMARKET.value],
        "require_any_of": [],
    },
    breach=WARN_OR_FAIL,
)
def permit_valid(ctx: RuleContext) -> RuleResult:
    findings: list[RuleResult] = []
    if ctx.merchant.industry in ctx.params["food_industries"]:
        findings.append(_require_permit(ctx, [Permit.Type.FOOD_BUSINESS], for_industry=True))
    scheme_types = list(ctx.params["require_any_of"])
    if scheme_types:
        finding = _require_permit(ctx, scheme_types, for_industry=False)
        if ctx.declaration.details.get("production_licence"):
            finding.data["declared_production_licence"] = ctx.declaration.details[
                "production_licence"
            ]
        findings.append(finding)
    if not findings:
        return skipped(
            Message(
                _("No permit is required of a %(industry)s merchant in this scheme."),
                industry=_label(Industry, ctx.merchant.industry),
            ),
            {"industry": ctx.merchant.industry},
        )
    return _worst(findings)


@rule(
    "no_failed_quality_check",
    label=_("No failed quality spot check"),
    description=_(
        "No product spot check of the merchant failed in the last `months` months (quality system)."
    ),
    order=70,
    sources=("quality",),
    params={"months": 12},
    breach=WARN_OR_FAIL,
    default=Breach.WARN,
)
def no_failed_quality_check(ctx: RuleContext) -> RuleResult:
    months = int(ctx.params["months"])
    checks = [c for c in ctx.source("quality") or [] if c.checked_on >= ctx.since]
    data = {"since": _iso(ctx.since), "spot_checks": [c.to_json() for c in checks]}
    bad = [c for c in checks if c.result == "fail"]
    if not bad:
        return passed(
            Message(SPOT_CHECKS_TEXT, count=len(checks), months=months),
            data,
        )
    c = bad[0]
    if ctx.on_breach == Breach.FAIL:
        text = _(
            "A quality spot check of %(product)s failed on %(date)s — rectify it and have the "
            "product checked again, then resubmit."
        )
    else:
        text = _(
            "A quality spot check of %(product)s failed on %(date)s — the reviewer will ask "
            "what was rectified."
        )
    return ctx.breach(Message(text, product=c.product, date=_iso(c.checked_on)), data)


@rule(
    "cold_chain_compliant",
    label=_("Cold chain compliant"),
    description=_(
        "For merchants in the cold-chain system: no non-compliant cold-chain check in the last "
        "`months` months. Merchants with no cold-chain records are not assessed."
    ),
    order=80,
    sources=("cold_chain",),
    params={"months": 12},
    breach=WARN_OR_FAIL,
    default=Breach.WARN,
)
def cold_chain_compliant(ctx: RuleContext) -> RuleResult:
    months = int(ctx.params["months"])
    records = [r for r in ctx.source("cold_chain") or [] if r.checked_on >= ctx.since]
    data = {"since": _iso(ctx.since), "cold_chain": [r.to_json() for r in records]}
    if not records:
        return skipped(
            Message(
                _("No cold-chain records in the last %(months)s months: nothing to assess."),
                months=months,
            ),
            data,
        )
    bad = [r for r in records if not r.compliant]
    if not bad:
        return passed(
            Message(COLD_CHAIN_CHECKS_TEXT, count=len(records), months=months),
            data,
        )
    r = bad[0]
    return ctx.breach(
        Message(
            _(
                "The cold-chain check of %(date)s found the merchant non-compliant (%(note)s) — "
                "show the reviewer how it was put right."
            ),
            date=_iso(r.checked_on),
            note=r.note or "—",
        ),
        data,
    )


@rule(
    "commitments_and_documents",
    label=_("Commitments accepted and documents attached"),
    description=_(
        "Every commitment of the scheme is ticked, every mandatory document attached and the "
        "scheme's details filled in."
    ),
    order=90,
)
def commitments_and_documents(ctx: RuleContext) -> RuleResult:
    declaration = ctx.declaration
    problems = declaration_missing_items(declaration)
    if not problems:
        return passed(
            Message(_("Every commitment is accepted and every required document is attached."))
        )
    return failed(
        Message(
            _("The declaration is incomplete: %(items)s Complete it, then resubmit."),
            items=lambda: " ".join(declaration_missing_items(declaration)),
        ),
        {"missing": problems},
    )


@rule(
    "complaints_under_thresholds",
    label=_("Complaints under the thresholds"),
    description=_(
        "At most `open_max` accepted complaints still open, and at most `recent_max` complaints "
        "lodged in the last `days` days (declined and withdrawn ones do not count), from the "
        "platform's complaints."
    ),
    order=95,
    sources=("complaints",),
    params={"days": 90, "open_max": 3, "recent_max": 10},
    breach=WARN_OR_FAIL,
    default=Breach.WARN,
)
def complaints_under_thresholds(ctx: RuleContext) -> RuleResult:
    counts = ctx.source("complaints")
    days, open_max, recent_max = (int(ctx.params[k]) for k in ("days", "open_max", "recent_max"))
    open_count = counts.open if counts else 0
    recent = counts.recent if counts else 0
    data = {"since": _iso(ctx.since), "open": open_count, "recent": recent}
    found = [
        Message(OPEN_COMPLAINTS_TEXT, count=open_count, max=open_max),
        Message(RECENT_COMPLAINTS_TEXT, count=recent, days=days, max=recent_max),
    ]
    if open_count <= open_max and recent <= recent_max:
        return passed(Message(_("%(open)s %(recent)s"), open=found[0], recent=found[1]), data)
    if ctx.on_breach == Breach.FAIL:
        text = _(
            "%(open)s %(recent)s Settle the open complaints with the consumers, then resubmit "
            "once the count is under the thresholds."
        )
    else:
        text = _("%(open)s %(recent)s The reviewer will look at the complaints.")
    return ctx.breach(Message(text, open=found[0], recent=found[1]), data)


@rule(
    "no_duplicate_open_declaration",
    label=_("No other open declaration"),
    description=_("The merchant has no other open declaration for the same scheme."),
    order=100,
)
def no_duplicate_open_declaration(ctx: RuleContext) -> RuleResult:
    others = ctx.facts.open_duplicates(ctx.declaration)
    if not others:
        return passed(Message(_("The merchant has no other open declaration for this scheme.")))
    other = others[0]
    return failed(
        Message(
            _(
                "The merchant already has an open declaration for this scheme (no. %(number)s, "
                "“%(state)s”) — continue that one, or withdraw it."
            ),
            number=other.pk,
            state=_label(DeclarationState, other.state),
        ),
        {"open_declarations": [{"id": o.pk, "state": o.state} for o in others]},
    )
