"""Reference data shipped with the platform, loaded by data migrations."""

import csv
import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_regions() -> list[dict[str, str]]:
    with open(DATA_DIR / "regions.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_schemes() -> list[dict]:
    return json.loads((DATA_DIR / "schemes.json").read_text(encoding="utf-8"))


def load_regions(Region) -> None:
    rows = read_regions()
    # Migrations before 0007 call this with a Region that has no English name yet.
    bilingual = any(field.name == "name_en" for field in Region._meta.get_fields())
    for row in rows:  # parents come before children in the file
        defaults = {
            "name": row["name"],
            "parent_id": row["parent_code"] or None,
            "level": row["level"],
        }
        if bilingual:
            defaults["name_en"] = row["name_en"]
        Region.objects.update_or_create(code=row["code"], defaults=defaults)


def load_schemes(Scheme, Commitment, RequiredDocument) -> None:
    for data in read_schemes():
        scheme, _ = Scheme.objects.update_or_create(
            code=data["code"],
            defaults={
                "kind": data["kind"],
                "name": data["name"],
                "name_en": data["name_en"],
                "description": data["description"],
                "order": data["order"],
            },
        )
        for order, (code, name, name_en) in enumerate(data["commitments"], start=1):
            Commitment.objects.update_or_create(
                scheme=scheme,
                code=code,
                defaults={"name": name, "name_en": name_en, "order": order},
            )
        for order, (code, name, name_en, mandatory) in enumerate(data["documents"], start=1):
            RequiredDocument.objects.update_or_create(
                scheme=scheme,
                code=code,
                defaults={
                    "name": name,
                    "name_en": name_en,
                    "is_mandatory": mandatory,
                    "order": order,
                },
            )
