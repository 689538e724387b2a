"""Name parts and small builders for synthetic but realistic Zhejiang market entities.

Used by the province generator (and the generators for registry records and complaints that
will follow). Every builder takes the caller's `random.Random`, so a seed reproduces the data.
Names are composed from common parts; any match with a real business is a coincidence.
"""

import itertools
import random
from datetime import date

# Common surnames, most frequent first (Zhejiang has many 陈, 王, 张, 李, 吴, 徐, 周, 林, 金, 胡).
SURNAMES = (
    "陈王张李吴徐周林金胡杨黄朱叶郑刘何沈俞潘方应蒋章孙蔡许汪钱施邵马郭罗洪鲍楼"
    "谢丁傅余钟毛姚赵吕程陆范夏卢董葛宋童孔冯袁戴严曹邱项翁姜韩"
)
# Earlier surnames are more common: weights n, n-1, …, 1.
_SURNAME_CUM_WEIGHTS = tuple(itertools.accumulate(range(len(SURNAMES), 0, -1)))
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文斌海燕红玲志鹏飞宇浩"
    "晨辉俊峰婷雪琳佳欣怡晓东立新忠德永林春梅云丹亮锋波"
)

BRAND_CHARS = (
    "鑫华盛泰恒源瑞德嘉美佳康福祥和顺丰汇隆兴达宏锦新欣悦明晨诚信安宁远航博凯"
    "天金银绿云海江山湖星宸禾沐益通利豪富昌鼎邦盈润"
)

STREETS = (
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "文化路",
    "新华路",
    "环城东路",
    "环城西路",
    "体育场路",
    "延安路",
    "凤起路",
    "学院路",
    "工业路",
    "城东路",
    "城南路",
    "江滨路",
    "青年路",
    "朝阳路",
    "复兴路",
    "和平路",
    "胜利路",
    "广场路",
    "商城大道",
    "振兴路",
    "站前路",
    "府前路",
    "迎宾大道",
    "滨江路",
    "南大街",
    "北大街",
    "东门街",
    "西门街",
    "兴业路",
    "创业路",
    "科技路",
    "幸福路",
    "望江路",
    "湖滨路",
    "丽水路",
    "文三路",
)

# City (GB/T 2260) → telephone area code.
AREA_CODES = {
    "330100": "0571",
    "330200": "0574",
    "330300": "0577",
    "330400": "0573",
    "330500": "0572",
    "330600": "0575",
    "330700": "0579",
    "330800": "0570",
    "330900": "0580",
    "331000": "0576",
    "331100": "0578",
}

_MOBILE_PREFIXES = (
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "186",
    "187",
    "188",
    "189",
    "199",
)

# Industry → words for a company's business (…有限公司) and for an individual shop (…店).
COMPANY_TRADES: dict[str, tuple[str, ...]] = {
    "catering": ("餐饮管理", "餐饮", "餐饮服务", "食品", "饮食文化"),
    "retail": (
        "商贸",
        "贸易",
        "百货",
        "服饰",
        "电器",
        "日用品",
        "眼镜",
        "珠宝",
        "文具",
        "母婴用品",
        "数码科技",
        "家居用品",
        "医药连锁",
    ),
    "supermarket": ("超市", "连锁超市", "生活超市", "商业连锁"),
    "manufacturing": (
        "机械制造",
        "电器",
        "五金制品",
        "塑业",
        "纺织",
        "服饰",
        "食品",
        "阀门",
        "汽车配件",
        "鞋业",
        "工艺品",
        "家具",
        "印染",
        "电子科技",
        "小商品",
    ),
    "hospitality": ("酒店管理", "酒店", "宾馆", "度假村"),
    "tourism": ("旅行社", "旅游开发", "文化旅游", "景区管理"),
    "services": (
        "美容美发",
        "洗涤服务",
        "家政服务",
        "汽车维修",
        "摄影",
        "健身服务",
        "教育咨询",
        "家电维修",
        "物业服务",
    ),
    "district": ("商业管理", "商圈管理", "市场开发服务", "商业街管理"),
    "other": ("信息科技", "网络科技", "文化传媒", "广告"),
}
SHOP_TRADES: dict[str, tuple[str, ...]] = {
    "catering": (
        "面馆",
        "小吃店",
        "饭店",
        "快餐店",
        "馄饨店",
        "烧烤店",
        "奶茶店",
        "包子铺",
        "火锅店",
        "土菜馆",
        "海鲜排档",
        "早餐店",
    ),
    "retail": (
        "便利店",
        "日用品店",
        "服装店",
        "水果店",
        "副食品店",
        "五金店",
        "鞋店",
        "手机店",
        "烟酒商行",
        "粮油店",
        "茶叶店",
        "母婴店",
        "大药房",
    ),
    "supermarket": ("超市", "生活超市"),
    "hospitality": ("宾馆", "民宿", "客栈"),
    "services": ("理发店", "洗衣店", "汽修店", "摄影工作室", "家电维修部", "美甲店", "足浴店"),
    "other": ("工作室", "经营部"),
}

BANKS = (
    "中国工商银行",
    "中国农业银行",
    "中国银行",
    "中国建设银行",
    "交通银行",
    "中国邮政储蓄银行",
    "浙商银行",
    "招商银行",
    "兴业银行",
    "中信银行",
    "杭州银行",
    "宁波银行",
    "温州银行",
)
FACTORY_CATEGORIES: dict[str, str] = {
    "机械制造": "通用机械设备",
    "电器": "家用电器",
    "五金制品": "五金工具",
    "塑业": "塑料制品",
    "纺织": "纺织面料",
    "服饰": "服装",
    "食品": "预包装食品",
    "阀门": "阀门",
    "汽车配件": "汽车零部件",
    "鞋业": "皮鞋、休闲鞋",
    "工艺品": "工艺礼品",
    "家具": "木制家具",
    "印染": "印染布",
    "电子科技": "电子元器件",
    "小商品": "日用小商品",
}


def short_place(city_name: str, county_name: str) -> str:
    """The place word a company name starts with: the city for a district, else the county."""
    if county_name.endswith("区"):
        return city_name.removesuffix("市")
    for suffix in ("畲族自治县", "市", "县"):
        if county_name.endswith(suffix):
            return county_name.removesuffix(suffix)
    return county_name


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=_SURNAME_CUM_WEIGHTS)[0]


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN_CHARS)
    if rng.random() < 0.7:
        given += rng.choice(GIVEN_CHARS)
    return surname(rng) + given


def brand(rng: random.Random) -> str:
    return rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)


def mobile_phone(rng: random.Random) -> str:
    return f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(100_000_000):08d}"


def landline(rng: random.Random, city_code: str) -> str:
    return f"{AREA_CODES.get(city_code, '0571')}-{rng.randrange(80_000_000, 90_000_000)}"


def address(rng: random.Random, city_name: str, county_name: str) -> str:
    number = rng.randrange(1, 999)
    text = f"{city_name}{county_name}{rng.choice(STREETS)}{number}号"
    if rng.random() < 0.3:
        text += f"{rng.randrange(1, 20)}0{rng.randrange(1, 9)}室"
    return text


def company_name(rng: random.Random, industry: str, place: str) -> tuple[str, str]:
    """(name, trade word) of a limited company, e.g. 杭州鑫华餐饮管理有限公司."""
    trade = rng.choice(COMPANY_TRADES.get(industry, COMPANY_TRADES["other"]))
    if industry == "tourism" and trade == "旅行社":
        return f"{place}{brand(rng)}旅行社有限公司", trade
    kind = "股份有限公司" if rng.random() < 0.04 else "有限公司"
    return f"{place}{brand(rng)}{trade}{kind}", trade


def shop_name(rng: random.Random, industry: str, county_name: str) -> str:
    """An individual business (个体工商户), e.g. 西湖区王记面馆."""
    trade = rng.choice(SHOP_TRADES.get(industry, SHOP_TRADES["other"]))
    roll = rng.random()
    if roll < 0.4:
        owner = surname(rng) + "记"
    elif roll < 0.6:
        owner = "阿" + rng.choice(GIVEN_CHARS)
    else:
        owner = brand(rng)
    return f"{county_name}{owner}{trade}"


def bank_outlet(rng: random.Random, city_name: str, county_name: str) -> tuple[str, str, str]:
    """(merchant name, institution, outlet) of a bank branch office."""
    bank = rng.choice(BANKS)
    city = city_name.removesuffix("市")
    outlet = f"{county_name.removesuffix('区').removesuffix('县')}{rng.choice(STREETS)[:2]}支行"
    return f"{bank}股份有限公司{city}{outlet}", bank, outlet


# Permit numbers in the shapes regulators issue them (the check digits are not computed).


def food_business_number(rng: random.Random, county_code: str, catering: bool) -> str:
    """JY + business type (1 sales, 2 catering) + county code + serial + check: 14 digits."""
    return f"JY{2 if catering else 1}{county_code}{rng.randrange(1_000_000):06d}{rng.randrange(10)}"


def food_production_number(rng: random.Random, county_code: str) -> str:
    return f"SC{rng.randrange(101, 132)}{county_code}{rng.randrange(10_000):04d}{rng.randrange(10)}"


def production_licence_number(rng: random.Random) -> str:
    return (
        f"浙XK{rng.randrange(1, 30):02d}-{rng.randrange(1, 500):03d}-{rng.randrange(100_000):05d}"
    )


def financial_licence_number(rng: random.Random) -> str:
    return f"B{rng.randrange(10_000):04d}{rng.choice('BSU')}2330{rng.randrange(100_000):05d}"


def drug_licence_number(rng: random.Random) -> str:
    return f"浙{rng.choice(('AA', 'CB', 'DA'))}{rng.randrange(5_700_000, 5_799_999)}"


def random_date(rng: random.Random, start: date, end: date) -> date:
    return date.fromordinal(rng.randrange(start.toordinal(), end.toordinal() + 1))


# USCC serials the demo data uses (demo.demo_data.cast); generators never produce them.
DEMO_SERIALS = range(20_260_000, 20_261_000)
