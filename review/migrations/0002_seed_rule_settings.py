"""Default screening rules per scheme. Admins change them afterwards; this only seeds.

Every rule gets a row for every scheme, so the admin page lists them all. The values are written
out here (not read from the rule registry) so the migration stays what it was when it ran.
"""

from django.db import migrations

ALL_RULES = [
    "uscc_check_digit",
    "entity_active",
    "licence_valid",
    "not_on_lists",
    "no_recent_penalty",
    "permit_valid",
    "no_failed_quality_check",
    "cold_chain_compliant",
    "commitments_and_documents",
    "no_duplicate_open_declaration",
]

FOOD_TRADES = {"food_industries": ["catering", "supermarket"], "require_any_of": []}

# scheme code → {rule: (enabled, on_breach, params)}; rules not listed: enabled, rule defaults.
SCHEME_SETTINGS = {
    # Shops, restaurants, supermarkets: catering and supermarkets need a food business licence.
    "assured-unit": {"permit_valid": (True, "fail", FOOD_TRADES)},
    "no-reason-return": {"permit_valid": (True, "fail", FOOD_TRADES)},
    # Factories: a production licence (industrial or food); a failed spot check fails.
    "assured-factory": {
        "permit_valid": (
            True,
            "fail",
            {"food_industries": [], "require_any_of": ["production", "food_production"]},
        ),
        "no_failed_quality_check": (True, "fail", {"months": 12}),
    },
    # Bank outlets: a financial licence; products are not spot-checked, no cold chain.
    "assured-financial-outlet": {
        "permit_valid": (True, "fail", {"food_industries": [], "require_any_of": ["financial"]}),
        "no_failed_quality_check": (False, "", {}),
        "cold_chain_compliant": (False, "", {}),
    },
    # The district's managing entity: its members are screened on their own declarations.
    "assured-district": {
        "permit_valid": (False, "", {}),
        "no_failed_quality_check": (False, "", {}),
        "cold_chain_compliant": (False, "", {}),
    },
}


def seed(apps, schema_editor):
    Scheme = apps.get_model("merchants", "Scheme")
    Setting = apps.get_model("review", "ScreeningRuleSetting")
    rows = []
    for scheme in Scheme.objects.all():
        overrides = SCHEME_SETTINGS.get(scheme.code, {})
        for position, rule in enumerate(ALL_RULES, start=1):
            enabled, on_breach, params = overrides.get(rule, (True, "", {}))
            rows.append(
                Setting(
                    scheme=scheme,
                    rule=rule,
                    enabled=enabled,
                    on_breach=on_breach,
                    params=params,
                    order=position * 10,
                )
            )
    Setting.objects.bulk_create(rows, ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("review", "ScreeningRuleSetting").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_initial"),
        ("merchants", "0002_seed_regions_and_schemes"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
