"""Demo data for `make run`: the cast's accounts, their merchants in every city, and
declarations in every state, built through the same services the pages use; then complaints,
a spot-check campaign, an evaluation run, star ratings and an appeal.

Idempotent: accounts and merchants are looked up by username and USCC, and a merchant's
scenario is played only while it has no declaration for that scheme. Every demo account shares
DEMO_PASSWORD, which is printed with the logins: never load this into a public site.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from common.errors import DomainError
from common.messages import day, msg
from complaints.models import Complaint
from complaints.services.complaints import (
    complaint_accept,
    complaint_accept_proposal,
    complaint_propose,
    complaint_rate,
    complaint_submit,
)
from complaints.services.handling import (
    complaint_contact_record,
    complaint_handle_directly,
    complaint_transfer,
)
from complaints.services.return_calls import complaint_return_call_record
from demo.demo_data.cast import (
    CITY_REVIEWERS,
    COUNTY_REVIEWERS,
    DEMO_APPEAL_OWNER,
    DEMO_APPEAL_STATEMENT,
    DEMO_CAMPAIGN,
    DEMO_CAMPAIGN_REGION,
    DEMO_CAMPAIGN_SUPERVISOR,
    DEMO_FILE_CALL_NOTES,
    DEMO_FILE_CAMPAIGN,
    DEMO_FILE_CAMPAIGN_SUPERVISOR,
    DEMO_FILE_COMPLAINT,
    DEMO_FILE_FINDINGS,
    DEMO_FILE_NOTES,
    DEMO_FILE_OWNER,
    DEMO_FILE_PROPOSAL,
    DEMO_FILE_RECTIFICATION,
    DEMO_FILE_WARNING_REPORT,
    DEMO_FINDINGS,
    DEMO_PASSWORD,
    DEMO_PATROLS,
    DEMO_STARS,
    DEMO_STARS_OWNER,
    DEMO_STATION_COORDINATOR,
    DEMO_STATIONS,
    DEMO_VISITS,
    MERCHANTS,
    REJECT_REASON,
    RETURN_COMMENTS,
    STAFF,
    WITHDRAW_REASON,
    DemoMerchant,
    demo_uscc,
)
from demo.demo_data.files import demo_upload, tiny_png
from merchants.models import (
    Declaration,
    Merchant,
    Permit,
    Pool,
    Region,
    Scheme,
    Station,
    User,
)
from merchants.models import DeclarationState as S
from merchants.services.declarations import (
    declaration_approve,
    declaration_attach_document,
    declaration_claim,
    declaration_create,
    declaration_reject,
    declaration_return,
    declaration_submit,
    declaration_update,
    declaration_withdraw,
)
from merchants.services.merchants import PermitData, merchant_register
from merchants.services.records import records_import
from merchants.services.stations import station_create
from ratings import messages as rating_messages
from ratings.models import (
    Appeal,
    EvaluationPolicy,
    EvaluationRun,
    Nomination,
    PoolChange,
    ReasonCode,
    Standing,
)
from ratings.services.appeals import appeal_file
from ratings.services.pools import standing_move, star_move, trigger_labels
from ratings.services.runs import RunInProgress, evaluation_run
from ratings.services.warnings import warning_rectification_decide, warning_rectification_submit
from review.models import (
    Campaign,
    ChecklistTemplate,
    InspectionMethod,
    InspectionResult,
    Patrol,
)
from review.services.campaigns import campaign_create, campaign_draw
from review.services.inspections import (
    inspection_record,
    rectification_accept,
    rectification_submit,
)
from review.services.patrols import patrol_record
from review.services.screening import declaration_screen


@dataclass
class DemoLogin:
    username: str
    role: str
    region: str
    merchants: list[str]


@dataclass
class DemoResult:
    logins: list[DemoLogin]
    created_users: int = 0
    created_merchants: int = 0
    played_scenarios: int = 0
    skipped: list[str] = field(default_factory=list)


def _ensure_users(result: DemoResult) -> dict[str, User]:
    """Create the demo accounts that are missing; existing accounts are left as they are."""
    password = make_password(DEMO_PASSWORD)  # hashed once: every account shares it
    specs = list(STAFF)
    owners = {m.owner: m.legal_representative for m in MERCHANTS}
    specs += [
        (username, User.Role.MERCHANT, None, rep[1:], rep[:1]) for username, rep in owners.items()
    ]
    users: dict[str, User] = {}
    for username, role, region, first_name, last_name in specs:
        staff_role = role in (User.Role.REGULATOR, User.Role.COORDINATOR)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "password": password,
                "role": role,
                "region_id": region,
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@demo.assured.example",
                "is_staff": role == User.Role.ADMIN,
                "is_superuser": role == User.Role.ADMIN,
                "can_review": role == User.Role.REGULATOR,
                "can_handle_complaints": role == User.Role.REGULATOR,
                "can_inspect": staff_role,
                "can_supervise": role == User.Role.REGULATOR and (region or "").endswith("00"),
            },
        )
        result.created_users += created
        users[username] = user
    return users


def _permits(demo: DemoMerchant, county: str, index: int) -> list[PermitData]:
    until = timezone.localdate() + timedelta(days=900 + 37 * index)
    serial = f"{index + 1:06d}"
    number = {
        "food": f"JY1{county}{serial}{index % 10}",
        "catering": f"JY2{county}{serial}{index % 10}",
        "production": f"浙XK16-{100 + index:03d}-{index + 1:05d}",
        "financial": f"B0004S2330{index + 1:05d}",
    }.get(demo.permit)
    permit_type = {
        "food": Permit.Type.FOOD_BUSINESS,
        "catering": Permit.Type.FOOD_BUSINESS,
        "production": Permit.Type.INDUSTRIAL_PRODUCTION,
        "financial": Permit.Type.FINANCIAL,
    }.get(demo.permit)
    if number is None or permit_type is None:
        return []
    return [PermitData(permit_type=permit_type, number=number, valid_until=until)]


def _ensure_merchants(users: dict[str, User], result: DemoResult) -> list[Merchant]:
    regions = {r.code: r for r in Region.objects.select_related("parent")}
    merchants = []
    for index, demo in enumerate(MERCHANTS):
        uscc = demo_uscc(index, demo)
        merchant = Merchant.objects.filter(uscc=uscc).first()
        if merchant is None:
            county = regions[demo.county]
            merchant = merchant_register(
                actor=users[demo.owner],
                uscc=uscc,
                permits=_permits(demo, demo.county, index),
                name=demo.name,
                legal_representative=demo.legal_representative,
                address=f"{county.parent.name}{county.name}{demo.street}",
                region=county,
                industry=demo.industry,
                licence_valid_from=date(2012 + index % 12, 1 + index % 12, 1 + index % 27),
                licence_valid_until=None if index % 3 else date(2045, 12, 31),
                contact_phone=f"13{index % 10}{57100000 + index * 1371:08d}",
            )
            result.created_merchants += 1
        merchants.append(merchant)
    return merchants


def _ensure_registry_records(merchants: list[Merchant]) -> None:
    """Registry records for the demo merchants, so their screening has data to check. Those
    left pending review are on the abnormal-operations list, so the queue shows a flag."""
    today = timezone.localdate().isoformat()
    records = [
        {
            "uscc": m.uscc,
            "record_id": f"DEMO-REG-{m.uscc}",
            "as_of": today,
            "entity_status": "active",
            "licence_valid_until": m.licence_valid_until.isoformat()
            if m.licence_valid_until
            else "",
            "on_abnormal_list": demo.outcome == S.PENDING_REVIEW,
            "on_dishonest_list": False,
            "credit_level": "A" if index % 4 else "B",
        }
        for index, (demo, m) in enumerate(zip(MERCHANTS, merchants, strict=True))
    ]
    records_import(source="registry", rows=enumerate(records, start=1), actor=None, origin="demo")


def _details(demo: DemoMerchant, merchant: Merchant, scheme: Scheme) -> dict[str, object]:
    if scheme.kind == Scheme.Kind.NO_REASON_RETURN:
        return {
            "return_days": 7,
            "goods_covered": "店内所售商品",
            "goods_excluded": "定制商品、鲜活易腐商品、已拆封的个人卫生用品",
            "cross_store_returns": False,
        } | demo.details
    if scheme.kind == Scheme.Kind.FACTORY:
        permit = merchant.permits.filter(permit_type=Permit.Type.INDUSTRIAL_PRODUCTION).first()
        return {"production_licence": permit.number if permit else ""} | demo.details
    return dict(demo.details)


def _submit_and_screen(owner: User, declaration: Declaration) -> Declaration:
    declaration_submit(actor=owner, declaration=declaration)
    # Screening is queued on commit (or to a worker); run it here so the review steps follow.
    declaration_screen(declaration_id=declaration.pk)
    declaration.refresh_from_db()
    return declaration


def _play(
    demo: DemoMerchant,
    merchant: Merchant,
    scheme: Scheme,
    owner: User,
    reviewer: User,
    members: list[Merchant],
) -> None:
    """Walk one declaration through the services to the demo's outcome."""
    declaration = declaration_create(actor=owner, merchant=merchant, scheme=scheme)
    declaration_update(
        actor=owner,
        declaration=declaration,
        commitments=scheme.commitments.all(),
        details=_details(demo, merchant, scheme),
        member_merchants=members,
    )
    for document in scheme.required_documents.all():
        upload = demo_upload(document.code, f"{document.name_en} - {merchant.uscc}")
        declaration_attach_document(
            actor=owner, declaration=declaration, required_document=document, upload=upload
        )
    if demo.outcome == S.DRAFT:
        return
    declaration = _submit_and_screen(owner, declaration)
    if declaration.state != S.PENDING_REVIEW or demo.outcome == S.PENDING_REVIEW:
        return  # a screening rule may stop it: the demo then shows that state instead
    declaration_claim(actor=reviewer, declaration=declaration)
    if demo.outcome == S.UNDER_REVIEW:
        return
    if demo.outcome == S.REJECTED:
        declaration_reject(actor=reviewer, declaration=declaration, reason=REJECT_REASON)
    elif demo.outcome in (S.RETURNED, "resubmitted"):
        declaration_return(actor=reviewer, declaration=declaration, comments=RETURN_COMMENTS)
        if demo.outcome == "resubmitted":
            storefront = scheme.required_documents.filter(code="storefront").first()
            if storefront is not None:
                declaration_attach_document(
                    actor=owner,
                    declaration=declaration,
                    required_document=storefront,
                    upload=demo_upload("storefront", ""),
                )
            _submit_and_screen(owner, declaration)
    else:
        declaration_approve(actor=reviewer, declaration=declaration)
        if demo.outcome == S.WITHDRAWN:
            declaration_withdraw(actor=owner, declaration=declaration, reason=WITHDRAW_REASON)


def _reviewer_for(county: str, users: dict[str, User]) -> User:
    username = COUNTY_REVIEWERS.get(county) or CITY_REVIEWERS[f"{county[:4]}00"]
    return users[username]


def _ensure_complaints(merchants: list[Merchant], users: dict[str, User]) -> None:
    """Three complaints against Xihu merchants: one new, one with the merchant, one with a
    proposal waiting for the consumer; created once, through the workflow services."""
    xihu = [m for m in merchants if m.region_id == "330106"][:3]
    if len(xihu) < 3 or Complaint.objects.filter(merchant__in=xihu).exists():
        return
    regulator = users["reg-xihu"]
    cases = [
        ("quality", "买的茶叶受潮结块。", "退货退款", "13800001001"),
        ("price", "结账金额比标价多收了12元。", "退还差价", "13800001002"),
        ("refund_refused", "七日内未拆封的商品要求退货被拒绝。", "退货退款", "13800001003"),
    ]
    for step, (merchant, (category, text, outcome, phone)) in enumerate(
        zip(xihu, cases, strict=True)
    ):
        complaint = complaint_submit(
            merchant=merchant,
            category=category,
            description=text,
            wanted_outcome=outcome,
            complainant_name="李女士",
            complainant_phone=phone,
            consent_to_contact=True,
        )
        if step >= 1:
            complaint_accept(actor=regulator, complaint=complaint)
        if step >= 2:
            owner = merchant.memberships.filter(role="owner").select_related("user").first()
            complaint_propose(actor=owner.user, complaint=complaint, proposal="全额退款并致歉")


def _ensure_unregistered_complaints(users: dict[str, User]) -> None:
    """Two complaints about businesses not on the platform, lodged in Xihu: one the county
    handles directly (a call recorded), one asked to be transferred to Binjiang, where the
    business is (reg-binjiang sees it under Transfers); created once, through the services."""
    xihu = Region.objects.get(code="330106")
    if Complaint.objects.filter(region=xihu, merchant__isnull=True).exists():
        return
    regulator = users["reg-xihu"]
    cases = [
        ("西溪路早餐店", "西溪路88号", "quality", "买的包子是馊的。", "13800001004"),
        ("江南大道水果摊", "滨江区江南大道1号", "price", "两斤苹果少了三两。", "13800001005"),
    ]
    complaints = [
        complaint_submit(
            merchant=None,
            region=xihu,
            business_name=name,
            business_address=address,
            category=category,
            description=text,
            wanted_outcome="退款",
            complainant_name="王先生",
            complainant_phone=phone,
            consent_to_contact=True,
            language="zh-hans",
        )
        for name, address, category, text, phone in cases
    ]
    complaint_handle_directly(actor=regulator, complaint=complaints[0])
    complaint_contact_record(
        actor=regulator,
        complaint=complaints[0],
        method="phone",
        contacted_on=timezone.localdate(),
        summary="已电话联系店主：同意退款并致歉。",  # noqa: RUF001
    )
    complaint_transfer(
        actor=regulator,
        complaint=complaints[1],
        county=Region.objects.get(code="330108"),
        reason="水果摊在滨江区。",
    )


def _logins(users: dict[str, User]) -> list[DemoLogin]:
    merchant_names: dict[str, list[str]] = {}
    for demo in MERCHANTS:
        merchant_names.setdefault(demo.owner, []).append(demo.name)
    region_names = dict(Region.objects.values_list("code", "name"))
    logins = []
    for username, user in users.items():
        region = f"{region_names[user.region_id]} {user.region_id}" if user.region_id else ""
        role = User.Role(user.role).label
        logins.append(DemoLogin(username, str(role), region, merchant_names.get(username, [])))
    return logins


def _ensure_campaign(merchants: list[Merchant], users: dict[str, User], result: DemoResult) -> None:
    """A drawn campaign with a failed visit awaiting rectification, a passed one and one still
    scheduled; created once, through the quality-control services."""
    if Campaign.objects.filter(name=DEMO_CAMPAIGN).exists():
        return
    supervisor = users[DEMO_CAMPAIGN_SUPERVISOR]
    checklist = ChecklistTemplate.objects.filter(scheme__isnull=True, is_active=True).first()
    if checklist is None:
        result.skipped.append("demo campaign: no general checklist is in use")
        return
    owner_of = {m.uscc: demo.owner for demo, m in zip(MERCHANTS, merchants, strict=True)}
    try:
        campaign = campaign_create(
            actor=supervisor,
            name=DEMO_CAMPAIGN,
            region=Region.objects.get(code=DEMO_CAMPAIGN_REGION),
            method=InspectionMethod.ON_SITE,
            checklist=checklist,
            due_date=timezone.localdate() + timedelta(days=30),
            sample_size=len(DEMO_VISITS),
            inspectors_per_visit=2,
            exclude_recent_days=0,
        )
        campaign_draw(actor=supervisor, campaign=campaign)
    except DomainError as exc:
        result.skipped.append(f"demo campaign: {exc.message}")
        return
    for inspection in campaign.inspections.select_related("merchant").prefetch_related(
        "assignments__inspector"
    ):
        outcome = DEMO_VISITS.get(owner_of.get(inspection.merchant.uscc, ""), "scheduled")
        if outcome == "scheduled":
            continue
        lead = inspection.assignments.all()[0].inspector
        answers = {item["code"]: "yes" for item in inspection.checklist}
        if outcome == "fail":
            answers.update({"licence-displayed": "no", "prices-marked": "no"})
        inspection_record(
            actor=lead,
            inspection=inspection,
            answers=answers,
            result=InspectionResult.FAIL if outcome == "fail" else InspectionResult.PASS,
            findings=DEMO_FINDINGS if outcome == "fail" else "",
            notes="店主配合检查。" if outcome == "fail" else "",
            photos=[
                SimpleUploadedFile(
                    "storefront.png",
                    tiny_png((183, 28, 28) if outcome == "fail" else (46, 125, 50)),
                    content_type="image/png",
                )
            ],
        )


def _ensure_stations(merchants: list[Merchant], users: dict[str, User]) -> None:
    """Liaison stations in Xihu (served by its coordinator) and Binjiang, and the coordinator's
    unscheduled visits; each created once, through the same services as the pages."""
    coordinator = users[DEMO_STATION_COORDINATOR]
    regulators = {code: users[username] for code, username in COUNTY_REVIEWERS.items()}
    first = None
    for county, name, address, phone, hours, served in DEMO_STATIONS:
        station = Station.objects.filter(region_id=county, name=name).first()
        if station is None:
            station = station_create(
                actor=regulators[county],
                county=Region.objects.get(code=county),
                name=name,
                address=address,
                phone=phone,
                opening_hours=hours,
                coordinators=[coordinator] if served else [],
            )
        first = first or station
    if Patrol.objects.filter(recorded_by=coordinator).exists():
        return
    owner_of = {demo.owner: m for demo, m in zip(MERCHANTS, merchants, strict=True)}
    for owner, place, days_ago, findings in DEMO_PATROLS:
        patrol_record(
            actor=coordinator,
            station=first,
            merchant=owner_of.get(owner) if owner else None,
            place=place,
            visited_on=timezone.localdate() - timedelta(days=days_ago),
            findings=findings,
            photos=[
                SimpleUploadedFile("patrol.png", tiny_png((21, 101, 192)), content_type="image/png")
            ],
        )


def _star_moves(
    standing: Standing, policy: EvaluationPolicy, *, score: int, stars: int
) -> tuple[Standing, PoolChange | None]:
    """Move the standing towards `stars` as the evaluation runs would on this score, one move
    a run, as if the observation period and the star periods between the runs were over: the
    rule and its reason codes and texts are the run's (`star_move`). Returns the standing and
    its last move."""
    periods = timedelta(days=max(policy.observation_days, policy.star_period_days))
    change = None
    while standing.stars != stars and (
        move := star_move(standing, policy, score, timezone.now() + periods)
    ):
        to, to_stars, code, reason = move
        standing, change = standing_move(
            merchant=standing.merchant,
            to=to,
            stars=to_stars,
            reason_code=code,
            reason=reason,
            evidence={"score": score, "triggers": []},
        )
    return standing, change


def _ensure_standings(
    merchants: list[Merchant], users: dict[str, User], result: DemoResult
) -> None:
    """Scores for every merchant in the programme (one evaluation run, through the same
    service as the nightly run), a merchant with three stars and a pending appeal against a
    star decision; each played once."""
    if not EvaluationRun.objects.filter(kind=EvaluationRun.Kind.MANUAL).exists():
        try:
            evaluation_run(kind=EvaluationRun.Kind.MANUAL)
        except RunInProgress:
            result.skipped.append("demo ratings: an evaluation run is in progress")
            return
    policy = EvaluationPolicy.current()
    owner_of = {m.pk: demo.owner for demo, m in zip(MERCHANTS, merchants, strict=True)}
    standings = {
        owner_of[s.merchant_id]: s
        for s in Standing.objects.filter(merchant__in=merchants, pool=Pool.CULTIVATION)
        .exclude(score=None)
        .select_related("merchant")
    }

    rated = standings.get(DEMO_STARS_OWNER)
    # Only where the score earns the stars: the next run keeps them then.
    if rated is not None and policy.stars_for(rated.score) >= DEMO_STARS:
        _star_moves(rated, policy, score=rated.score, stars=DEMO_STARS)
    appealing = standings.get(DEMO_APPEAL_OWNER)
    earned = policy.stars_for(appealing.score) if appealing is not None else 0
    if appealing is not None and 1 <= earned < 5:
        # A star more, earned on a higher score (the lowest of its band), taken away when the
        # score fell to what the appeal explains; then appealed.
        higher = policy.star_bands[earned]
        appealing, _change = _star_moves(appealing, policy, score=higher, stars=earned + 1)
        appealing, decision = _star_moves(appealing, policy, score=appealing.score, stars=earned)
        if decision is not None and not Appeal.objects.filter(merchant=appealing.merchant).exists():
            appeal_file(
                actor=users[DEMO_APPEAL_OWNER],
                decision=decision,
                statement=DEMO_APPEAL_STATEMENT,
                files=[demo_upload("credit-repair", "Credit repair application")],
            )


def _ensure_full_file(
    merchants: list[Merchant], users: dict[str, User], result: DemoResult
) -> None:
    """Every kind of record for one merchant (DEMO_FILE_OWNER), so its file (一户一档) shows
    every section: the nomination that brought it in, a penalty on record, a complaint
    settled, rated and called back, a spot check with a rectification, and a warning rectified
    and cleared; each played once."""
    merchant = next(
        (m for demo, m in zip(MERCHANTS, merchants, strict=True) if demo.owner == DEMO_FILE_OWNER),
        None,
    )
    if merchant is None:
        return
    owner, regulator = users[DEMO_FILE_OWNER], users["reg-xihu"]
    today = timezone.localdate()
    if not Nomination.objects.filter(merchant=merchant).exists():
        # How it came into the programme, a year ago: nominated by the county's regulator and
        # in the selection pool the same day. Written as history: the service refuses to
        # nominate a merchant that is in the programme now.
        nominated = timezone.now() - timedelta(days=400)
        Nomination.objects.create(
            uscc=merchant.uscc,
            name=merchant.name,
            region=merchant.region,
            message="西湖景区周边重点餐饮单位，欢迎申报放心消费承诺。",  # noqa: RUF001
            nominated_by=regulator,
            created_at=nominated,
            merchant=merchant,
            entered_at=nominated,
        )
    penalty_day = today - timedelta(days=75)
    records_import(
        source="enforcement",
        rows=enumerate(
            [
                {
                    "uscc": merchant.uscc,
                    "record_id": f"DEMO-PEN-{merchant.uscc}",
                    "as_of": penalty_day.isoformat(),
                    "decided_on": penalty_day.isoformat(),
                    "severity": "minor",
                    "description": "计量器具未按期检定，责令改正",  # noqa: RUF001
                }
            ],
            start=1,
        ),
        actor=None,
        origin="demo",
    )
    text, wanted, phone = DEMO_FILE_COMPLAINT
    if not Complaint.objects.filter(merchant=merchant, description=text).exists():
        complaint = complaint_submit(
            merchant=merchant,
            category="price",
            description=text,
            wanted_outcome=wanted,
            complainant_name="王先生",
            complainant_phone=phone,
            consent_to_contact=True,
        )
        complaint_accept(actor=regulator, complaint=complaint)
        complaint_propose(actor=owner, complaint=complaint, proposal=DEMO_FILE_PROPOSAL)
        complaint_accept_proposal(complaint=complaint)
        complaint_rate(complaint=complaint, rating=5, comment="处理及时，态度很好。")  # noqa: RUF001
        complaint_return_call_record(
            actor=regulator,
            complaint=complaint,
            called_at=timezone.now(),
            reached=True,
            satisfaction="satisfied",
            notes=DEMO_FILE_CALL_NOTES,
        )
    _ensure_file_inspection(merchant, owner, users, result)
    if not PoolChange.objects.filter(merchant=merchant, reason_code=ReasonCode.WARNING).exists():
        standing = Standing.objects.filter(merchant=merchant).first()
        if standing is None or standing.pool not in (Pool.CULTIVATION, Pool.STAR_RATED):
            result.skipped.append(f"{merchant.name}: not in a pool that can be warned")
            return
        due = today + timedelta(days=EvaluationPolicy.current().rectification_days)
        standing_move(
            merchant=merchant,
            to=Pool.WARNING,
            reason_code=ReasonCode.WARNING,
            reason=msg(rating_messages.WARNING, what=trigger_labels(["penalty"]), due=day(due)),
            evidence={"penalty": f"DEMO-PEN-{merchant.uscc}"},
            changes={
                "former_pool": standing.pool,
                "former_stars": standing.stars,
                "rectification_due": due,
            },
        )
        report = warning_rectification_submit(
            actor=owner, merchant=merchant, report=DEMO_FILE_WARNING_REPORT
        )
        warning_rectification_decide(actor=regulator, rectification=report, accept=True)


def _ensure_file_inspection(
    merchant: Merchant, owner: User, users: dict[str, User], result: DemoResult
) -> None:
    """A spot check of Xihu's approved merchants (all of them: the demo merchant is drawn),
    its visit to be rectified, rectified and accepted."""
    if Campaign.objects.filter(name=DEMO_FILE_CAMPAIGN).exists():
        return
    checklist = ChecklistTemplate.objects.filter(scheme__isnull=True, is_active=True).first()
    if checklist is None:
        result.skipped.append("file campaign: no general checklist is in use")
        return
    supervisor = users[DEMO_FILE_CAMPAIGN_SUPERVISOR]
    try:
        campaign = campaign_create(
            actor=supervisor,
            name=DEMO_FILE_CAMPAIGN,
            region=merchant.region,
            method=InspectionMethod.ON_SITE,
            checklist=checklist,
            due_date=timezone.localdate() + timedelta(days=20),
            sample_ratio=Decimal("1"),
            inspectors_per_visit=1,
            exclude_recent_days=0,
        )
        campaign_draw(actor=supervisor, campaign=campaign)
    except DomainError as exc:
        result.skipped.append(f"file campaign: {exc.message}")
        return
    inspection = campaign.inspections.filter(merchant=merchant).first()
    if inspection is None:
        result.skipped.append(f"file campaign: {merchant.name} was not drawn")
        return
    lead = inspection.assignments.select_related("inspector")[0].inspector
    answers = {item["code"]: "yes" for item in inspection.checklist}
    minor = next(item for item in inspection.checklist if not item["critical"])
    answers[minor["code"]] = "no"
    inspection = inspection_record(
        actor=lead,
        inspection=inspection,
        answers=answers,
        result=InspectionResult.RECTIFY,
        findings=DEMO_FILE_FINDINGS,
        notes=DEMO_FILE_NOTES,
    )
    rectification_submit(actor=owner, inspection=inspection, report=DEMO_FILE_RECTIFICATION)
    inspection.refresh_from_db()
    rectification_accept(actor=lead, inspection=inspection)


@transaction.atomic
def demo_load() -> DemoResult:
    """Create whatever part of the demo data is missing and return the demo logins."""
    result = DemoResult(logins=[])
    users = _ensure_users(result)
    merchants = _ensure_merchants(users, result)
    _ensure_registry_records(merchants)
    schemes = {
        s.code: s for s in Scheme.objects.prefetch_related("commitments", "required_documents")
    }
    by_county: dict[str, list[Merchant]] = {}
    for merchant in merchants:
        by_county.setdefault(merchant.region_id, []).append(merchant)
    for demo, merchant in zip(MERCHANTS, merchants, strict=True):
        scheme = schemes.get(demo.scheme)
        if scheme is None or not scheme.is_active:
            result.skipped.append(f"{merchant.name}: scheme {demo.scheme} is not open")
            continue
        if merchant.declarations.filter(scheme=scheme).exists():
            continue
        members = [m for m in by_county[merchant.region_id] if m.pk != merchant.pk]
        _play(
            demo,
            merchant,
            scheme,
            owner=users[demo.owner],
            reviewer=_reviewer_for(demo.county, users),
            members=members if scheme.kind == Scheme.Kind.DISTRICT else [],
        )
        result.played_scenarios += 1
    _ensure_complaints(merchants, users)
    _ensure_unregistered_complaints(users)
    _ensure_campaign(merchants, users, result)
    _ensure_standings(merchants, users, result)
    _ensure_stations(merchants, users)
    _ensure_full_file(merchants, users, result)
    result.logins = _logins(users)
    return result
