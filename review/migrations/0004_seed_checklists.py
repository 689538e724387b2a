"""Default inspection checklists. Admins change them afterwards; this only seeds.

Items: (code, Chinese, English, weight, critical). Written out here so the migration stays what
it was when it ran.
"""

from django.db import migrations

COMMON = [
    ("licence-displayed", "营业执照、许可证件亮照经营", "Business licence and permits displayed", 15, True),
    ("prices-marked", "商品和服务明码标价", "Prices of goods and services clearly marked", 15, False),
    ("commitments-posted", "放心消费承诺公示上墙", "Assured-consumption commitments posted", 10, False),
    ("complaint-channel", "投诉渠道公示、投诉登记台账完整", "Complaint channel posted and complaint log kept", 10, False),
    ("no-counterfeits", "未发现假冒伪劣商品", "No counterfeit or shoddy goods found", 20, True),
    ("accurate-measure", "计量器具检定合格、计量准确", "Measuring instruments verified and accurate", 10, False),
    ("store-code-posted", "“一店一码”张贴在显著位置", "Store code (一店一码) posted where customers see it", 10, False),
    ("no-misleading-ads", "无虚假或引人误解的宣传", "No false or misleading advertising", 10, False),
]

FOOD = [
    ("food-permit-valid", "食品经营许可证在有效期内", "Food business licence valid", 15, True),
    ("staff-health-certs", "从业人员持有效健康证明", "Staff hold valid health certificates", 10, False),
    ("food-storage", "食品贮存分类分区、无过期食品", "Food stored by category, nothing past its date", 15, True),
    ("traceability", "进货查验记录完整，浙食链扫码追溯", "Purchase records kept; traceable in 浙食链", 10, False),
]

RETURNS = [
    ("returns-policy-posted", "无理由退货承诺及期限公示", "No-reason-return commitment and period posted", 15, False),
    ("returns-honoured", "暗访或抽查退货请求得到履行", "A test return request was honoured", 25, True),
    ("returns-log", "退货登记台账完整", "Return log kept", 10, False),
]

FACTORY = [
    ("production-licence", "生产许可证在有效期内", "Production licence valid", 20, True),
    ("quality-records", "出厂检验记录完整", "Factory inspection records kept", 15, False),
    ("product-labels", "产品标识标签规范", "Product labels complete and correct", 15, False),
]

TEMPLATES = [
    (None, "通用放心消费检查表", "General assured-consumption checklist", COMMON),
    ("assured-unit", "放心消费单位检查表（含食品安全）", "Assured unit checklist (with food safety)", COMMON + FOOD),
    ("no-reason-return", "无理由退货承诺单位检查表", "No-reason-return unit checklist", COMMON + RETURNS),
    ("assured-factory", "放心工厂检查表", "Assured factory checklist", COMMON[:2] + COMMON[4:5] + FACTORY),
]


def seed(apps, schema_editor):
    Scheme = apps.get_model("merchants", "Scheme")
    ChecklistTemplate = apps.get_model("review", "ChecklistTemplate")
    ChecklistItem = apps.get_model("review", "ChecklistItem")
    schemes = {s.code: s for s in Scheme.objects.all()}
    for scheme_code, name, name_en, items in TEMPLATES:
        if scheme_code is not None and scheme_code not in schemes:
            continue
        template = ChecklistTemplate.objects.create(
            scheme=schemes.get(scheme_code), name=name, name_en=name_en
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                template=template,
                code=code,
                text=text,
                text_en=text_en,
                weight=weight,
                is_critical=critical,
                order=order,
            )
            for order, (code, text, text_en, weight, critical) in enumerate(items)
        )


def unseed(apps, schema_editor):
    apps.get_model("review", "ChecklistTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0003_inspections"),
        ("merchants", "0002_seed_regions_and_schemes"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
