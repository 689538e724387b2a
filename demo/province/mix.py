"""How the generated province looks: shares of industries, schemes and states, and the texts.

Plausible orders of magnitude, tuned so the totals match DESIGN.md's figures; not statistics.
"""

from datetime import UTC, date, datetime

from merchants.models import DeclarationState as S
from merchants.models import Industry, Scheme

# Platform registrations and declarations start with the programme (DESIGN.md: 2021).
PROGRAMME_START = datetime(2021, 1, 4, tzinfo=UTC)

# Share of merchants per industry (percent): retail and catering dominate, as in the registry.
INDUSTRY_MIX: tuple[tuple[str, float], ...] = (
    (Industry.RETAIL, 34),
    (Industry.CATERING, 22),
    (Industry.MANUFACTURING, 15),
    (Industry.SERVICES, 11),
    (Industry.SUPERMARKET, 6),
    (Industry.HOSPITALITY, 4),
    (Industry.OTHER, 3.6),
    (Industry.TOURISM, 2),
    (Industry.FINANCE, 2),
    (Industry.COMMERCIAL_DISTRICT, 0.4),
)
# Share of individual businesses (个体工商户, USCC type 92) per industry; the rest are companies.
INDIVIDUAL_SHARE: dict[str, float] = {
    Industry.CATERING: 0.55,
    Industry.RETAIL: 0.5,
    Industry.SERVICES: 0.6,
    Industry.HOSPITALITY: 0.3,
    Industry.SUPERMARKET: 0.2,
    Industry.OTHER: 0.3,
}
# Chance that a merchant of an industry declares for a scheme kind. Over the industry mix this
# gives ~33% assured units, ~36% no-reason-return, ~12% factories, ~1.5% financial outlets.
SCHEME_SHARE: dict[str, dict[str, float]] = {
    Scheme.Kind.UNIT: {
        Industry.CATERING: 0.6,
        Industry.RETAIL: 0.25,
        Industry.SUPERMARKET: 0.6,
        Industry.HOSPITALITY: 0.6,
        Industry.TOURISM: 0.5,
        Industry.SERVICES: 0.3,
        Industry.OTHER: 0.2,
    },
    Scheme.Kind.NO_REASON_RETURN: {
        Industry.RETAIL: 0.82,
        Industry.SUPERMARKET: 0.9,
        Industry.SERVICES: 0.15,
        Industry.TOURISM: 0.1,
        Industry.OTHER: 0.2,
    },
    # Only manufacturers holding a production licence (85% of them) declare as factories.
    Scheme.Kind.FACTORY: {Industry.MANUFACTURING: 0.94},
    Scheme.Kind.FINANCIAL_OUTLET: {Industry.FINANCE: 0.75},
    Scheme.Kind.DISTRICT: {Industry.COMMERCIAL_DISTRICT: 0.7},
}
OWNER_SHARE = 0.02

_SUBMITTED = (S.DRAFT, S.SUBMITTED, S.SCREENING, S.PENDING_REVIEW)
# Final state → the path of states that led there (every step is in TRANSITIONS), with weights.
DECLARATION_PATHS: dict[str, tuple[str, ...]] = {
    S.APPROVED: (*_SUBMITTED, S.UNDER_REVIEW, S.APPROVED),
    S.PENDING_REVIEW: _SUBMITTED,
    S.DRAFT: (S.DRAFT,),
    S.UNDER_REVIEW: (*_SUBMITTED, S.UNDER_REVIEW),
    S.RETURNED: (*_SUBMITTED, S.UNDER_REVIEW, S.RETURNED),
    S.REJECTED: (*_SUBMITTED, S.UNDER_REVIEW, S.REJECTED),
    S.WITHDRAWN: (*_SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.WITHDRAWN),
}
STATE_MIX: tuple[tuple[str, float], ...] = (
    (S.APPROVED, 78),
    (S.PENDING_REVIEW, 7),
    (S.DRAFT, 5),
    (S.UNDER_REVIEW, 3),
    (S.RETURNED, 3),
    (S.REJECTED, 2),
    (S.WITHDRAWN, 2),
)
MERCHANT_STEPS = frozenset({S.DRAFT, S.SUBMITTED, S.WITHDRAWN})
SYSTEM_STEPS = frozenset({S.SCREENING, S.PENDING_REVIEW})
# Seconds from the previous event to an event reaching this state (low, high).
STEP_GAPS: dict[str, tuple[float, float]] = {
    S.SUBMITTED: (600, 3 * 86400),
    S.SCREENING: (1, 5),
    S.PENDING_REVIEW: (1, 10),
    S.UNDER_REVIEW: (3600, 7 * 86400),
    S.APPROVED: (600, 3 * 86400),
    S.RETURNED: (600, 3 * 86400),
    S.REJECTED: (600, 3 * 86400),
    S.WITHDRAWN: (86400, 300 * 86400),
}
# What the screening writes on passing, as the message code it stores (review/messages.py).
SYSTEM_MESSAGES: dict[str, dict] = {S.PENDING_REVIEW: {"code": "screening.passed", "params": {}}}
# What reviewers and merchants typed.
REASONS: dict[str, tuple[str, ...]] = {
    S.RETURNED: (
        "门头照片不清晰。请重新上传",
        "营业执照照片与登记信息不一致。请核对后重新提交",
        "请补充不适用无理由退货的商品清单",
        "承诺书未加盖公章。请补充",
    ),
    S.REJECTED: (
        "经营场所与登记地址不符",
        "近12个月内有行政处罚记录",
        "食品经营许可证已过期",
        "经核查存在未处理完毕的消费投诉",
    ),
    S.WITHDRAWN: ("商户主动撤回", "门店停业", "经营场所搬迁"),
}
NRR_COVERED = (
    "店内所售商品。定制商品、鲜活易腐商品除外",
    "服装鞋帽、箱包、家居用品",
    "未激活且包装完好的家用电器、数码产品",
    "日用百货、文具玩具",
)
NRR_EXCLUDED = ("定制商品、鲜活易腐商品、已拆封的个人卫生用品", "贴身衣物、食品、药品", "")
LONG_TERM = date(2099, 12, 31)  # how the register writes a permit with no end date (长期)
OBFUSCATE = 48_271  # odd and not a multiple of 5, so serial → serial·k mod 10⁸ is one-to-one
