"""Demo data for `make run`: a cast of accounts, merchants in every city, and declarations in
every state, built through the same services the pages use.

Idempotent: accounts and merchants are looked up by username and USCC, and a merchant's
scenario is played only while it has no declaration for that scheme. Every demo account shares
DEMO_PASSWORD, which is printed with the logins: never load this into a public site.
"""

import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from merchants.models import Declaration, Industry, Merchant, Permit, Region, Scheme, User
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
from merchants.services.synthetic import DEMO_SERIALS
from merchants.uscc import build_uscc
from review.services.screening import declaration_screen

DEMO_PASSWORD = "demo-pass-2026"

# username, role, region, first name (given), last name (surname)
STAFF: tuple[tuple[str, str, str | None, str, str], ...] = (
    ("admin", User.Role.ADMIN, None, "平台", "管理员"),
    ("reg-zhejiang", User.Role.REGULATOR, "330000", "省局", "审核员"),
    ("reg-hangzhou", User.Role.REGULATOR, "330100", "建华", "周"),
    ("reg-ningbo", User.Role.REGULATOR, "330200", "海波", "王"),
    ("reg-wenzhou", User.Role.REGULATOR, "330300", "志强", "陈"),
    ("reg-jiaxing", User.Role.REGULATOR, "330400", "丽华", "沈"),
    ("reg-huzhou", User.Role.REGULATOR, "330500", "国平", "钱"),
    ("reg-shaoxing", User.Role.REGULATOR, "330600", "晓东", "俞"),
    ("reg-jinhua", User.Role.REGULATOR, "330700", "立新", "金"),
    ("reg-quzhou", User.Role.REGULATOR, "330800", "春梅", "徐"),
    ("reg-zhoushan", User.Role.REGULATOR, "330900", "海军", "林"),
    ("reg-taizhou", User.Role.REGULATOR, "331000", "永林", "叶"),
    ("reg-lishui", User.Role.REGULATOR, "331100", "建国", "叶"),
    ("reg-xihu", User.Role.REGULATOR, "330106", "敏", "吴"),
    ("reg-binjiang", User.Role.REGULATOR, "330108", "磊", "张"),
    ("coord-xihu", User.Role.COORDINATOR, "330106", "桂英", "何"),
    ("consumer-li", User.Role.CONSUMER, None, "娜", "李"),
    ("consumer-wang", User.Role.CONSUMER, None, "芳", "王"),
)


@dataclass(frozen=True)
class DemoMerchant:
    owner: str
    county: str
    name: str
    legal_representative: str
    industry: str
    street: str
    permit: str  # "food", "catering", "production", "financial" or ""
    scheme: str
    outcome: str  # the state the scenario leaves the declaration in, or "resubmitted"
    details: dict[str, object] = field(default_factory=dict)


_D = DemoMerchant
I = Industry  # noqa: E741 - a short alias keeps the table below readable
# fmt: off
MERCHANTS: tuple[DemoMerchant, ...] = (
    # Hangzhou: Xihu and Binjiang carry the test cast's regions; one owner runs a chain of two.
    _D("owner-liulang", "330106", "杭州柳浪茶楼有限公司", "沈建国",
       I.CATERING, "北山街32号", "catering", "assured-unit", S.APPROVED),
    _D("owner-xianguo", "330106", "杭州鲜果源果业有限公司", "方志鹏",
       I.RETAIL, "文三路278号", "food", "no-reason-return", S.PENDING_REVIEW),
    _D("owner-xianguo", "330108", "杭州鲜果源果业有限公司滨江分公司", "方志鹏",
       I.RETAIL, "江南大道588号", "food", "no-reason-return", S.UNDER_REVIEW),
    _D("owner-xinglan", "330108", "杭州星澜数码科技有限公司", "郑浩",
       I.RETAIL, "网商路699号", "", "no-reason-return", S.RETURNED,
       {"return_days": 15, "goods_covered": "未激活的手机、平板、耳机"}),
    _D("owner-aying", "330106", "西湖区阿英面馆", "许秀英",
       I.CATERING, "翠苑一区12号", "catering", "assured-unit", S.DRAFT),
    # Ningbo
    _D("owner-weida", "330282", "慈溪市伟达电器有限公司", "孙伟达",
       I.MANUFACTURING, "新城大道北路1288号", "production", "assured-factory", S.APPROVED,
       {"product_categories": "小家电、电风扇"}),
    _D("owner-wanjiafu", "330212", "宁波万家福超市有限公司", "潘丽",
       I.SUPERMARKET, "天童南路108号", "food", "no-reason-return", S.APPROVED),
    _D("owner-tangyuan", "330203", "海曙区老宁波汤圆店", "应桂芳",
       I.CATERING, "鼓楼步行街45号", "catering", "assured-unit", "resubmitted"),
    # Wenzhou
    _D("owner-oujiang", "330302", "温州瓯江鞋业有限公司", "陈建平",
       I.MANUFACTURING, "双屿鞋都三期16号", "production", "assured-factory", S.PENDING_REVIEW,
       {"product_categories": "皮鞋、休闲鞋"}),
    _D("owner-zhengyang", "330382", "乐清市正阳电气有限公司", "黄志强",
       I.MANUFACTURING, "柳市镇长江路66号", "production", "assured-factory", S.REJECTED,
       {"product_categories": "低压电器"}),
    _D("owner-ccb-ruian", "330381", "中国建设银行股份有限公司瑞安支行", "林晓东",
       I.FINANCE, "安阳街道万松东路120号", "financial", "assured-financial-outlet", S.APPROVED,
       {"institution": "中国建设银行", "outlet": "瑞安支行"}),
    # Jiaxing
    _D("owner-yatu", "330481", "海宁市雅途皮草服饰有限公司", "钱佳",
       I.RETAIL, "海昌南路201号", "", "no-reason-return", S.APPROVED,
       {"return_days": 15, "cross_store_returns": True, "goods_covered": "皮衣、皮草、箱包"}),
    _D("owner-chuancai", "330402", "嘉兴南湖船菜餐饮有限公司", "朱明",
       I.CATERING, "南湖路58号", "catering", "assured-unit", S.APPROVED),
    _D("owner-shuixiang", "330483", "桐乡市乌镇水乡民宿", "沈春梅",
       I.HOSPITALITY, "乌镇西栅大街8号", "catering", "assured-unit", S.WITHDRAWN),
    # Huzhou
    _D("owner-baicha", "330523", "安吉竹乡白茶有限公司", "蒋立新",
       I.RETAIL, "递铺街道昌硕东路9号", "food", "no-reason-return", S.APPROVED,
       {"goods_covered": "包装完好的白茶、茶具"}),
    _D("owner-siyun", "330502", "湖州吴兴丝韵服饰有限公司", "吴婷",
       I.MANUFACTURING, "织里镇珍贝路18号", "production", "assured-factory", S.DRAFT,
       {"product_categories": "童装"}),
    _D("owner-yunshe", "330521", "德清莫干山云舍民宿", "俞晨",
       I.HOSPITALITY, "莫干山镇劳岭村26号", "catering", "assured-unit", S.PENDING_REVIEW),
    # Shaoxing
    _D("owner-huangjiu", "330602", "绍兴越城黄酒坊有限公司", "章国平",
       I.RETAIL, "鲁迅中路179号", "food", "assured-unit", S.APPROVED),
    _D("owner-buyi", "330603", "绍兴柯桥轻纺布艺有限公司", "傅丽华",
       I.RETAIL, "柯桥街道中国轻纺城东区3楼", "", "no-reason-return", S.APPROVED),
    _D("owner-zhenzhu", "330681", "诸暨市珍珠源珠宝有限公司", "何燕",
       I.RETAIL, "山下湖镇珍珠大道5号", "", "no-reason-return", S.UNDER_REVIEW,
       {"return_days": 7, "goods_covered": "珍珠饰品"}),
    # Jinhua: a shopping district in Yiwu with its two member merchants
    _D("owner-baihuo", "330782", "义乌市小商品日用百货商行", "楼永林",
       I.RETAIL, "福田街道篁园路99号", "", "no-reason-return", S.APPROVED),
    _D("owner-silu", "330782", "义乌市丝路饰品有限公司", "金晓燕",
       I.RETAIL, "国际商贸城二区H3-120", "", "assured-unit", S.APPROVED),
    _D("owner-choucheng", "330782", "义乌市稠城商圈管理有限公司", "王建华",
       I.COMMERCIAL_DISTRICT, "稠城街道工人北路1号", "", "assured-district", S.APPROVED),
    # Quzhou
    _D("owner-santou", "330802", "衢州三头一掌餐饮有限公司", "徐勇",
       I.CATERING, "坊门街36号", "catering", "assured-unit", S.APPROVED),
    _D("owner-fengmi", "330881", "江山市蜂之源蜂产品有限公司", "毛晨",
       I.RETAIL, "虎山街道鹿溪南路22号", "food", "no-reason-return", S.DRAFT),
    _D("owner-shiku", "330825", "龙游县石窟旅行社有限公司", "华斌",
       I.TOURISM, "龙洲街道荣昌路16号", "", "assured-unit", S.REJECTED),
    # Zhoushan
    _D("owner-haixian", "330903", "普陀区阿海海鲜排档", "林海",
       I.CATERING, "沈家门渔港路88号", "catering", "assured-unit", S.APPROVED),
    _D("owner-haichan", "330902", "舟山定海海产品有限公司", "孔芳",
       I.RETAIL, "环城南路302号", "food", "no-reason-return", S.RETURNED),
    _D("owner-yujiale", "330922", "嵊泗县渔家乐客栈", "邵杰",
       I.HOSPITALITY, "菜园镇基湖村7号", "catering", "assured-unit", S.DRAFT),
    # Taizhou
    _D("owner-xiedu", "331081", "温岭市鞋都鞋业有限公司", "江涛",
       I.MANUFACTURING, "横峰街道鞋业园12号", "production", "assured-factory", S.APPROVED,
       {"product_categories": "运动鞋、凉鞋"}),
    _D("owner-haixiancheng", "331002", "台州椒江海鲜城餐饮有限公司", "蔡文",
       I.CATERING, "东海大道668号", "catering", "assured-unit", S.UNDER_REVIEW),
    _D("owner-yunjin", "331023", "天台山云锦旅游开发有限公司", "陈佳",
       I.TOURISM, "赤城街道国清路3号", "", "assured-unit", S.APPROVED),
    # Lishui
    _D("owner-qingci", "331181", "龙泉市青瓷坊有限公司", "叶斌",
       I.MANUFACTURING, "宝溪乡溪头村15号", "production", "assured-factory", S.PENDING_REVIEW,
       {"product_categories": "青瓷日用器、工艺瓷"}),
    _D("owner-shidiao", "331121", "青田县石雕工艺品店", "季明",
       I.RETAIL, "鹤城街道石门洞路40号", "", "no-reason-return", S.DRAFT),
    _D("owner-haoke", "331102", "丽水莲都好客超市有限公司", "潘云",
       I.SUPERMARKET, "中山街北路99号", "food", "no-reason-return", S.APPROVED),
)
# fmt: on

# Regulators who decide each county's declarations: the county office where the demo has one.
COUNTY_REVIEWERS = {"330106": "reg-xihu", "330108": "reg-binjiang"}
CITY_REVIEWERS = {
    code: username
    for username, _role, code, *_names in STAFF
    if code and code.endswith("00") and code != "330000"
}

RETURN_COMMENTS = "门头照片不清晰。请重新上传清晰的经营场所门头照片。"
REJECT_REASON = "经核查经营场所与登记地址不符。请更正登记信息后重新申报。"
WITHDRAW_REASON = "民宿停业装修。暂停参加创建。"


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


def _tiny_pdf(title: str) -> bytes:
    """A one-page PDF saying `title` (ASCII), with a correct cross-reference table."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 40 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _tiny_png(
    rgb: tuple[int, int, int] = (46, 125, 50), width: int = 96, height: int = 64
) -> bytes:
    """A solid-colour PNG: enough to stand in for a storefront photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _demo_upload(code: str, title: str) -> SimpleUploadedFile:
    if code in ("storefront", "posted-notice"):
        return SimpleUploadedFile(f"{code}.png", _tiny_png(), content_type="image/png")
    return SimpleUploadedFile(f"{code}.pdf", _tiny_pdf(title), content_type="application/pdf")


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


def demo_uscc(index: int, demo: DemoMerchant) -> str:
    individual = not demo.name.endswith(("公司", "支行"))
    return build_uscc(demo.county, DEMO_SERIALS.start + index, "92" if individual else "91")


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
        upload = _demo_upload(document.code, f"{document.name_en} - {merchant.uscc}")
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
                    upload=_demo_upload("storefront", ""),
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
    from complaints.models import Complaint
    from complaints.services import complaint_accept, complaint_propose, complaint_submit

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


# The demo spot-check campaign: the three Yiwu merchants, drawn by the Jinhua city office, whose
# inspectors (reg-jinhua, reg-zhejiang) are the only two who can be drawn there: both visit each.
DEMO_CAMPAIGN = "义乌小商品市场放心消费双随机抽查 · 演示"
DEMO_CAMPAIGN_SUPERVISOR = "reg-jinhua"
DEMO_CAMPAIGN_REGION = "330700"
# owner → the visit's outcome in the demo: failed and awaiting rectification, passed, scheduled
DEMO_VISITS = {"owner-baihuo": "fail", "owner-silu": "pass", "owner-choucheng": "scheduled"}
DEMO_FINDINGS = (
    "营业执照未在经营场所显著位置悬挂。部分商品未明码标价。请于整改期限内改正并上传整改照片。"
)


def _ensure_campaign(merchants: list[Merchant], users: dict[str, User], result: DemoResult) -> None:
    """A drawn campaign with a failed visit awaiting rectification, a passed one and one still
    scheduled; created once, through the quality-control services."""
    from common.errors import DomainError
    from review.models import Campaign, ChecklistTemplate, InspectionMethod, InspectionResult
    from review.services.campaigns import campaign_create, campaign_draw
    from review.services.inspections import inspection_record

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
                    _tiny_png((183, 28, 28) if outcome == "fail" else (46, 125, 50)),
                    content_type="image/png",
                )
            ],
        )


# The pools in the demo, after an evaluation of every merchant in the programme: the approved
# merchants are in cultivation; owner-baihuo's failed visit above puts it in the warning pool (its
# owner sees the rectification task); these two are star-rated, the second with a pending appeal
# against a star taken away (reg-xihu sees it in the appeal queue).
DEMO_STARS_OWNER = "owner-wanjiafu"
DEMO_STARS = 3
DEMO_APPEAL_OWNER = "owner-liulang"
DEMO_APPEAL_STATEMENT = (
    "本店近一年无有效投诉，历次检查均合格。评分下降系企业信用等级由A调整为B所致，"  # noqa: RUF001
    "该调整已申请信用修复。请求维持原星级评定。"
)


def _ensure_standings(
    merchants: list[Merchant], users: dict[str, User], result: DemoResult
) -> None:
    """Scores for every merchant in the programme (one evaluation run, through the same
    service as the nightly run), a merchant with three stars and a pending appeal against a
    star decision; each played once."""
    from merchants.models import Pool
    from ratings.appeals import appeal_file
    from ratings.models import Appeal, EvaluationPolicy, EvaluationRun, PoolChange, Standing
    from ratings.pools import standing_move
    from ratings.runs import RunInProgress, evaluation_run

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

    def rate(standing: Standing, stars: int) -> PoolChange:
        _standing, change = standing_move(
            merchant=standing.merchant,
            to=Pool.STAR_RATED,
            stars=stars,
            reason_code="demo_rating",
            reason=_(
                "Demo data: %(stars)d stars on a score of %(score)d (the demo skips the "
                "observation period and the star periods)."
            )
            % {"stars": stars, "score": standing.score},
            evidence={"score": standing.score},
        )
        return change

    rated = standings.get(DEMO_STARS_OWNER)
    # Only where the score earns the stars: the next run keeps them then.
    if rated is not None and policy.stars_for(rated.score) >= DEMO_STARS:
        rate(rated, DEMO_STARS)
    appealing = standings.get(DEMO_APPEAL_OWNER)
    earned = policy.stars_for(appealing.score) if appealing is not None else 0
    if appealing is not None and 1 <= earned < 5:
        # A star above what the score earns, taken away as the run does it; then appealed.
        rate(appealing, earned + 1)
        _standing, decision = standing_move(
            merchant=appealing.merchant,
            to=Pool.STAR_RATED,
            stars=earned,
            reason_code="stars_down",
            reason=_("Score %(score)d: %(stars)d stars.")
            % {"score": appealing.score, "stars": earned},
            evidence={"score": appealing.score, "triggers": []},
        )
        if not Appeal.objects.filter(merchant=appealing.merchant).exists():
            appeal_file(
                actor=users[DEMO_APPEAL_OWNER],
                decision=decision,
                statement=DEMO_APPEAL_STATEMENT,
                files=[_demo_upload("credit-repair", "Credit repair application")],
            )


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
    _ensure_campaign(merchants, users, result)
    # In the site's language, like the nightly run on the worker: the reasons are stored text.
    with translation.override(settings.LANGUAGE_CODE):
        _ensure_standings(merchants, users, result)
    result.logins = _logins(users)
    return result
