"""The demo's cast and story: the accounts for every role, a merchant or more in every city
with the state each one's declaration is left in, and the texts of the decisions, the spot-check
campaign and the appeal. Played by `demo.demo_data.load`."""

from dataclasses import dataclass, field

from demo.synthetic import DEMO_SERIALS
from merchants.models import DeclarationState as S
from merchants.models import Industry, User
from merchants.uscc import build_uscc

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


def demo_uscc(index: int, demo: DemoMerchant) -> str:
    individual = not demo.name.endswith(("公司", "支行"))
    return build_uscc(demo.county, DEMO_SERIALS.start + index, "92" if individual else "91")


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

# Village liaison stations: county, village or community, address, phone, opening hours, and
# whether coord-xihu serves it (Xihu's two); a visit the coordinator logged from the first, one
# at a merchant (by its owner's username) and one at a place off the platform.
DEMO_STATION_COORDINATOR = "coord-xihu"
# fmt: off
DEMO_STATIONS = (
    ("330106", "转塘街道双流村", "转塘街道双流村文化礼堂一楼", "0571-87391234",
     "周一至周五 9:00-17:00", True),
    ("330106", "西溪街道古荡社区", "古荡新村东区8幢底层", "0571-88861234",
     "周一至周六 8:30-17:30", True),
    ("330108", "浦沿街道联庄社区", "联庄一区12幢一楼", "0571-86621234",
     "工作日 9:00-16:30", False),
)
# fmt: on
DEMO_PATROLS = (
    ("owner-liulang", "", 3, "现场检查。营业执照已公示。价目表齐全。后厨卫生良好。"),
    ("", "双流村农贸集市", 1, "集市内两家摊位未明码标价。已当场提醒整改。下周复查。"),
)

# The merchant whose file (一户一档) holds every kind of record: besides its approved declaration,
# registry record, permit, the coordinator's visit, the new complaint, its evaluation, star moves
# and appeal above, a complaint settled and called back, an inspection in a Xihu spot check with
# its rectification, and a warning rectified and cleared. reg-xihu sees the whole file, its owner
# the owner's copy.
DEMO_FILE_OWNER = "owner-liulang"
DEMO_FILE_CAMPAIGN = "西湖区餐饮服务放心消费抽查 · 演示"
DEMO_FILE_CAMPAIGN_SUPERVISOR = "reg-hangzhou"
DEMO_FILE_COMPLAINT = (
    "在店内购买的明前龙井包装标注250克，回家称重只有230克。",  # noqa: RUF001
    "补足差价并致歉",
    "13800001004",
)
DEMO_FILE_PROPOSAL = "按标价退还20克差价48元，并赠送同款茶叶50克致歉。"  # noqa: RUF001
DEMO_FILE_CALL_NOTES = "消费者表示已收到退款，对处理结果满意。"  # noqa: RUF001
DEMO_FILE_FINDINGS = "部分预包装茶叶未标示净含量。请于整改期限内补齐标签并上传照片。"
DEMO_FILE_NOTES = "店长称标签由供货商提供，需核实供货商资质。"  # noqa: RUF001
DEMO_FILE_RECTIFICATION = "已为全部预包装茶叶补贴净含量标签，并更换供货商。"  # noqa: RUF001
DEMO_FILE_WARNING_REPORT = "已完成计量器具检定，并对店员开展计量培训。"  # noqa: RUF001
