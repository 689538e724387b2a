"""Complaints against the generated merchants, as three years of consumers would have lodged them.

A run asks for a total; each merchant batch gets its share, and inside a batch complaints go to
merchants by a heavy-tailed weight (Pareto, capped): most merchants get none or a few, some chains
get hundreds. States follow a realistic mix; open complaints are recent (a complaint waiting for
the merchant is younger than its answer deadline, else the deadline sweep would have moved it to
mediation), closed ones spread over three years. Dates, deadlines (working days, as the services
compute them), `is_overdue` and ratings agree with the state. Consumers are synthetic and have no
account. No events are written (the timeline of a generated complaint is empty): they would
quadruple the rows for nothing the benchmarks read. Tracking tokens come from `secrets`, like the
public codes: unguessable in any data.
"""

import functools
import random
import secrets
from bisect import bisect
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.utils import timezone

from complaints.models import ComplaintCategory as K
from complaints.models import ComplaintState as C
from complaints.models import DeclineGround
from complaints.services import (
    ACCEPT_WORKING_DAYS,
    HANDLING_WORKING_DAYS,
    MERCHANT_WORKING_DAYS,
)
from merchants.models import Industry
from merchants.services import synthetic as syn
from merchants.services.province.context import MerchantSpec, timestamp
from review.deadlines import add_working_days

DAY = 86400.0
YEARS = 3
WEIGHT_CAP = 150.0  # the most a merchant can weigh against one that weighs 1
INDUSTRY_FACTOR = {
    Industry.RETAIL: 1.3,
    Industry.CATERING: 1.2,
    Industry.SUPERMARKET: 1.6,
    Industry.SERVICES: 1.1,
    Industry.TOURISM: 1.2,
    Industry.MANUFACTURING: 0.3,
    Industry.FINANCE: 0.5,
}
STATE_MIX: tuple[tuple[str, float], ...] = (
    (C.SETTLED, 58),
    (C.DECLINED, 12),
    (C.WITHDRAWN, 9),
    (C.MEDIATION_FAILED, 7),
    (C.MEDIATION, 4),
    (C.WITH_MERCHANT, 4),
    (C.SUBMITTED, 3),
    (C.PROPOSED, 2.5),
    (C.ACCEPTED, 0.5),
)
CATEGORY_MIX: tuple[tuple[str, float], ...] = (
    (K.QUALITY, 30),
    (K.REFUND_REFUSED, 22),
    (K.SERVICE, 18),
    (K.PRICE, 12),
    (K.MISLEADING_ADVERTISING, 8),
    (K.SAFETY, 4),
    (K.OTHER, 6),
)
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    K.QUALITY: (
        "购买的商品使用不到一周就出现质量问题。商家拒绝维修或更换。",
        "收到的商品与描述不符。存在明显瑕疵。",
        "在店内就餐后发现菜品不新鲜。有异味。",
    ),
    K.REFUND_REFUSED: (
        "商品未拆封。在承诺的无理由退货期限内要求退货被拒绝。",
        "办理的会员卡要求退卡退款。商家以各种理由拖延。",
        "预付的服务费用未消费完。商家停业后无法退款。",
    ),
    K.SERVICE: (
        "店员服务态度恶劣。对咨询不予理睬。",
        "约定的服务时间商家多次爽约。也不作解释。",
        "维修后问题依旧。商家要求再次收费。",
    ),
    K.PRICE: (
        "结账价格高于标价。商家不予解释。",
        "商品未明码标价。结账时被收取高价。",
        "收取了事先未告知的服务费。",
    ),
    K.MISLEADING_ADVERTISING: (
        "宣传的优惠活动结账时不予兑现。",
        "宣传为进口商品。实际为国产商品。",
    ),
    K.SAFETY: (
        "购买的电器使用时冒烟。存在安全隐患。",
        "食用后出现腹泻等不适症状。",
    ),
    K.OTHER: ("商家未按约定开具发票。", "个人信息被泄露。接到大量推销电话。"),
}
WANTED: dict[str, tuple[str, ...]] = {
    K.QUALITY: ("退货退款", "更换合格商品", "赔偿损失"),
    K.REFUND_REFUSED: ("全额退款", "按承诺办理退货"),
    K.SERVICE: ("赔礼道歉", "退还服务费用"),
    K.PRICE: ("退还多收的费用", "按标价结算"),
    K.MISLEADING_ADVERTISING: ("按宣传兑现", "退一赔三"),
    K.SAFETY: ("退货退款并赔偿", "赔偿医疗费用"),
    K.OTHER: ("开具发票", "赔礼道歉"),
}
PROPOSALS = ("同意全额退款", "同意退货退款", "同意更换商品并赠送优惠券", "同意退还差价并道歉")
AGREEMENTS = (
    "双方同意商家全额退款",
    "双方同意商家更换商品",
    "商家退还多收费用并书面道歉",
    "商家赔偿消费者损失",
)
RATING_SHARE = {
    C.SETTLED: (0.6, (1, 2, 3, 4, 5), (3, 5, 12, 30, 50)),
    C.MEDIATION_FAILED: (0.4, (1, 2, 3), (50, 35, 15)),
    C.DECLINED: (0.15, (1, 2, 3), (60, 30, 10)),
    C.WITHDRAWN: (0.1, (3, 4, 5), (30, 40, 30)),
}
DECLINE_GROUNDS = tuple(g for g in DeclineGround.values if g != DeclineGround.OTHER)
IP_PREFIXES = ("36.", "39.", "60.", "112.", "115.", "117.", "122.", "183.", "223.")


@functools.lru_cache(maxsize=8192)
def _due(day: date, working_days: int) -> date:
    return add_working_days(day, working_days)


def complaints_rng(seed: int, specs: list[MerchantSpec]) -> random.Random:
    """The batch's own generator, so asking for complaints leaves the merchants unchanged."""
    return random.Random(f"complaints {seed} {specs[0].uscc if specs else ''}")


def share(total: int, done: int, n: int, merchants: int) -> int:
    """The part of `total` for merchants done..done+n of `merchants`; the parts add up."""
    return total * (done + n) // merchants - total * done // merchants


COMPLAINT_COLUMNS = (
    "tracking_token",
    "merchant_id",
    "business_name",
    "business_address",
    "region_id",
    "category",
    "description",
    "amount",
    "purchase_date",
    "wanted_outcome",
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "consent_to_contact",
    "submitted_ip",
    "state",
    "handler_id",
    "decline_ground",
    "proposal",
    "agreement",
    "created_at",
    "updated_at",
    "accepted_at",
    "closed_at",
    "accept_due",
    "merchant_due",
    "close_due",
    "is_overdue",
    "rating",
    "rating_comment",
)


def complaint_targets(
    rng: random.Random, specs: list[MerchantSpec], count: int
) -> list[MerchantSpec]:
    """The merchant of each of `count` complaints: heavy-tailed, by industry."""
    if count <= 0 or not specs:
        return []
    weights = [
        min(rng.paretovariate(1.16), WEIGHT_CAP) * INDUSTRY_FACTOR.get(m.industry, 1.0)
        for m in specs
    ]
    return rng.choices(specs, cum_weights=list(accumulate(weights)), k=count)


def complaint_rows(
    rng: random.Random,
    now: datetime,
    targets: list[MerchantSpec],
    handlers: dict[str, tuple[int, int, int]],
) -> list[tuple[Any, ...]]:
    """One complaint against each merchant of `targets`."""
    draw = rng.random
    states = [s for s, _ in STATE_MIX]
    state_cum = list(accumulate(w for _, w in STATE_MIX))
    categories = [c for c, _ in CATEGORY_MIX]
    category_cum = list(accumulate(w for _, w in CATEGORY_MIX))
    zone = timezone.get_current_timezone()
    today = now.astimezone(zone).date()
    window_start = now - timedelta(days=365 * YEARS)
    latest = now - timedelta(minutes=10)
    token = secrets.token_urlsafe
    rows = []
    for m in targets:
        state = states[bisect(state_cum, draw() * state_cum[-1])]
        category = categories[bisect(category_cum, draw() * category_cum[-1])]
        earliest = max(window_start, m.created_at + timedelta(hours=1))
        accepted = closed = None
        if state == C.SUBMITTED:
            created = timestamp(rng, max(earliest, now - timedelta(days=12)), latest)
        elif state in (C.ACCEPTED, C.WITH_MERCHANT, C.PROPOSED, C.MEDIATION):
            # Accepted recently enough for the state: the merchant's answer is not yet due
            # (at most 9 calendar days ago), mediation within the handling period or a little
            # past it (some overdue).
            back = {C.ACCEPTED: 2, C.WITH_MERCHANT: 9, C.PROPOSED: 9}.get(state, 80)
            low = now - timedelta(days=back)
            high = now - timedelta(days=3 if state == C.MEDIATION else 0, minutes=5)
            accepted = timestamp(rng, max(low, earliest + timedelta(days=1)), high)
            created = max(earliest, accepted - timedelta(seconds=rng.uniform(0.1, 5) * DAY))
        else:
            gaps: list[float] = []  # seconds: created → accepted → closed
            if state == C.DECLINED or (state == C.WITHDRAWN and draw() < 0.5):
                gaps = [rng.uniform(0.2, 6 if state == C.DECLINED else 5) * DAY]
            else:
                gaps.append(rng.uniform(0.1, 5) * DAY)
                if state == C.SETTLED:
                    long = draw() < 0.05
                    gaps.append(rng.uniform(50, 90) * DAY if long else rng.uniform(1, 50) * DAY)
                elif state == C.MEDIATION_FAILED:
                    gaps.append(rng.uniform(15, 70) * DAY)
                else:
                    gaps.append(rng.uniform(1, 20) * DAY)
            total = sum(gaps)
            span = (latest - earliest).total_seconds()
            if total > span * 0.9:  # squeeze into the time the merchant has had
                gaps = [g * span * 0.9 / total for g in gaps] if span > 0 else [0.0] * len(gaps)
                total = sum(gaps)
            created = timestamp(rng, earliest, latest - timedelta(seconds=total))
            t = created
            if len(gaps) == 2:
                accepted = t = t + timedelta(seconds=gaps[0])
            closed = t + timedelta(seconds=gaps[-1])
        created_on = created.astimezone(zone).date()
        accept_due = _due(created_on, ACCEPT_WORKING_DAYS)
        merchant_due = close_due = None
        if accepted is not None:
            accepted_on = accepted.astimezone(zone).date()
            merchant_due = _due(accepted_on, MERCHANT_WORKING_DAYS)
            close_due = _due(accepted_on, HANDLING_WORKING_DAYS)
        if closed is not None:
            overdue = False
        elif accepted is None:
            overdue = accept_due < today
        else:
            overdue = close_due is not None and close_due < today
        handler = None
        if accepted is not None or state == C.DECLINED:
            county, city, _province = handlers[m.county.code]
            handler = county if draw() < 0.9 else city
        proposal = agreement = ""
        if state in (C.PROPOSED, C.SETTLED) or (state == C.MEDIATION and draw() < 0.5):
            proposal = rng.choice(PROPOSALS)
        if state == C.SETTLED:
            agreement = proposal if draw() < 0.7 else rng.choice(AGREEMENTS)
        rating = None
        rating_comment = ""
        rated = RATING_SHARE.get(state)
        if rated is not None and draw() < rated[0]:
            rating = rng.choices(rated[1], rated[2])[0]
            if draw() < 0.2:
                rating_comment = "处理及时。满意" if rating >= 4 else "处理结果不满意"
        amount = None
        if draw() < 0.8:
            amount = Decimal(int(rng.lognormvariate(5.5, 1.2) * 100)) / 100
        bought = created_on - timedelta(days=int(rng.expovariate(1 / 12)))
        ip = None
        if draw() < 0.85:
            octets = f"{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            ip = rng.choice(IP_PREFIXES) + octets
        email = ""
        if draw() < 0.15:
            email = f"c{rng.randrange(10**9)}@example.com"
        updated = closed or accepted or created
        rows.append(
            (
                token(24),
                m.id,
                "",
                "",
                m.county.code,
                category,
                rng.choice(DESCRIPTIONS[category]),
                amount,
                bought if draw() < 0.9 else None,
                rng.choice(WANTED[category]),
                syn.person_name(rng),
                syn.mobile_phone(rng),
                email,
                draw() < 0.6,
                ip,
                state,
                handler,
                rng.choice(DECLINE_GROUNDS) if state == C.DECLINED else "",
                proposal,
                agreement,
                created,
                updated,
                accepted,
                closed,
                accept_due,
                merchant_due,
                close_due,
                overdue,
                rating,
                rating_comment,
            )
        )
    return rows
