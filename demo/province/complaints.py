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
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.utils import timezone

from common import deadlines
from common.calendar import add_working_days
from complaints.models import ComplaintCategory as K
from complaints.models import ComplaintState as C
from complaints.models import DeclineGround
from demo import synthetic as syn
from demo.province.context import MerchantSpec
from merchants.models import Industry

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
# Shares of all complaints over three years. The open states hold only the last weeks' flow
# (about 2,700 a day for a province): a few percent of the total.
STATE_MIX: tuple[tuple[str, float], ...] = (
    (C.SETTLED, 62),
    (C.DECLINED, 14),
    (C.WITHDRAWN, 11),
    (C.MEDIATION_FAILED, 8.4),
    (C.MEDIATION, 1.5),
    (C.WITH_MERCHANT, 1.2),
    (C.SUBMITTED, 0.6),
    (C.PROPOSED, 0.5),
    (C.ACCEPTED, 0.1),
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


# Plain strings in the hot loop: comparing them is cheaper than comparing enum members.
SUBMITTED, ACCEPTED, DECLINED, WITH_MERCHANT, PROPOSED = (
    str(C.SUBMITTED),
    str(C.ACCEPTED),
    str(C.DECLINED),
    str(C.WITH_MERCHANT),
    str(C.PROPOSED),
)
MEDIATION, SETTLED, MEDIATION_FAILED, WITHDRAWN = (
    str(C.MEDIATION),
    str(C.SETTLED),
    str(C.MEDIATION_FAILED),
    str(C.WITHDRAWN),
)
# Open states past acceptance: how many days back acceptance may lie (low, high).
ACCEPTED_WINDOW = {
    ACCEPTED: (2.0, 0.0),
    WITH_MERCHANT: (9.0, 0.0),  # the merchant's 10 working days are not over yet
    PROPOSED: (9.0, 0.0),
    MEDIATION: (80.0, 3.0),  # within the 45 working days of handling, or a little past them
}


@functools.lru_cache(maxsize=8192)
def _due_on_day(day_number: int, working_days: int) -> date:
    return _due(date.fromordinal(day_number), working_days)


def complaint_rows(
    rng: random.Random,
    now: datetime,
    targets: list[MerchantSpec],
    handlers: dict[str, tuple[int, int, int]],
) -> list[tuple[Any, ...]]:
    """One complaint against each merchant of `targets`.

    Times are computed as POSIX seconds and turned into datetimes once, and local days as
    ordinals with the zone's current offset (China keeps no summer time): this loop runs three
    million times for a province.
    """
    draw, uniform = rng.random, rng.uniform
    states = [str(s) for s, _ in STATE_MIX]
    state_cum = list(accumulate(w for _, w in STATE_MIX))
    state_total = state_cum[-1]
    categories = [str(c) for c, _ in CATEGORY_MIX]
    category_cum = list(accumulate(w for _, w in CATEGORY_MIX))
    category_total = category_cum[-1]
    descriptions = {str(k): v for k, v in DESCRIPTIONS.items()}
    wanted = {str(k): v for k, v in WANTED.items()}
    ratings = {str(k): v for k, v in RATING_SHARE.items()}
    grounds = [str(g) for g in DECLINE_GROUNDS]
    offset = now.astimezone(timezone.get_current_timezone()).utcoffset() or timedelta()
    shift = offset.total_seconds() + date(1970, 1, 1).toordinal() * DAY
    stamp = now.timestamp()
    today = int((stamp + shift) // DAY)
    window_start = stamp - 365 * YEARS * DAY
    latest = stamp - 600
    to_datetime = datetime.fromtimestamp
    utc = UTC
    token = secrets.token_urlsafe
    name, phone = syn.person_name, syn.mobile_phone
    n_ips = len(IP_PREFIXES)
    rows = []
    for m in targets:
        state = states[bisect(state_cum, draw() * state_total)]
        category = categories[bisect(category_cum, draw() * category_total)]
        earliest = max(window_start, m.created_at.timestamp() + 3600)
        accepted = closed = None
        if state == SUBMITTED:
            low = max(earliest, stamp - 12 * DAY)
            created = low + (latest - low) * draw() if latest > low else low
        elif state in ACCEPTED_WINDOW:
            back, front = ACCEPTED_WINDOW[state]
            low = max(stamp - back * DAY, earliest + DAY)
            high = stamp - front * DAY - 300
            accepted = low + (high - low) * draw() if high > low else low
            created = max(earliest, accepted - uniform(0.1, 5) * DAY)
        else:
            # Seconds from submission to acceptance (none if never accepted) and to closing.
            if state == DECLINED:
                gaps = (uniform(0.2, 6) * DAY,)
            elif state == WITHDRAWN and draw() < 0.5:
                gaps = (uniform(0.2, 5) * DAY,)
            elif state == SETTLED:
                handled = uniform(50, 90) if draw() < 0.05 else uniform(1, 50)
                gaps = (uniform(0.1, 5) * DAY, handled * DAY)
            elif state == MEDIATION_FAILED:
                gaps = (uniform(0.1, 5) * DAY, uniform(15, 70) * DAY)
            else:  # withdrawn after acceptance
                gaps = (uniform(0.1, 5) * DAY, uniform(1, 20) * DAY)
            total = sum(gaps)
            span = (latest - earliest) * 0.9
            if total > span:  # squeeze into the time the merchant has had
                scale = max(span, 0.0) / total
                gaps = tuple(g * scale for g in gaps)
                total = sum(gaps)
            created = earliest + (latest - total - earliest) * draw()
            if len(gaps) == 2:
                accepted = created + gaps[0]
            closed = created + total
        created_day = int((created + shift) // DAY)
        accept_due = _due_on_day(created_day, deadlines.COMPLAINT_ACCEPT_DAYS)
        merchant_due = close_due = None
        handler = None
        if accepted is not None:
            accepted_day = int((accepted + shift) // DAY)
            merchant_due = _due_on_day(accepted_day, deadlines.COMPLAINT_MERCHANT_DAYS)
            close_due = _due_on_day(accepted_day, deadlines.COMPLAINT_HANDLING_DAYS)
            overdue = closed is None and close_due.toordinal() < today
        else:
            overdue = closed is None and accept_due.toordinal() < today
        if accepted is not None or state == DECLINED:
            county, city, _province = handlers[m.county.code]
            handler = county if draw() < 0.9 else city
        proposal = agreement = ""
        if state in (PROPOSED, SETTLED) or (state == MEDIATION and draw() < 0.5):
            proposal = PROPOSALS[int(draw() * len(PROPOSALS))]
        if state == SETTLED:
            agreement = proposal if draw() < 0.7 else AGREEMENTS[int(draw() * len(AGREEMENTS))]
        rating = None
        rating_comment = ""
        rated = ratings.get(state)
        if rated is not None and draw() < rated[0]:
            rating = rng.choices(rated[1], rated[2])[0]
            if draw() < 0.2:
                rating_comment = "处理及时。满意" if rating >= 4 else "处理结果不满意"
        amount = None
        if draw() < 0.8:
            amount = Decimal(int(rng.lognormvariate(5.5, 1.2) * 100)) / 100
        bought = None
        if draw() < 0.9:
            bought = date.fromordinal(created_day - int(rng.expovariate(1 / 12)))
        ip = None
        if draw() < 0.85:
            bits = rng.getrandbits(24)
            ip = (
                f"{IP_PREFIXES[int(draw() * n_ips)]}{bits >> 16}.{(bits >> 8) & 255}."
                f"{(bits & 255) or 1}"
            )
        email = f"c{rng.getrandbits(30)}@example.com" if draw() < 0.15 else ""
        texts = descriptions[category]
        outcomes = wanted[category]
        created_at = to_datetime(created, utc)
        accepted_at = to_datetime(accepted, utc) if accepted is not None else None
        closed_at = to_datetime(closed, utc) if closed is not None else None
        rows.append(
            (
                token(24),
                m.id,
                "",
                "",
                m.county.code,
                category,
                texts[int(draw() * len(texts))],
                amount,
                bought,
                outcomes[int(draw() * len(outcomes))],
                name(rng),
                phone(rng),
                email,
                draw() < 0.6,
                ip,
                state,
                handler,
                grounds[int(draw() * len(grounds))] if state == DECLINED else "",
                proposal,
                agreement,
                created_at,
                closed_at or accepted_at or created_at,
                accepted_at,
                closed_at,
                accept_due,
                merchant_due,
                close_due,
                overdue,
                rating,
                rating_comment,
            )
        )
    return rows
