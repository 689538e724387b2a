"""Existing complaints' phones in the one stored form (common/phones.py): a mobile's 11 digits,
a landline's area code and number with the leading 0. A phone that does not parse as a mainland
China number is kept as it was (the intake now refuses such numbers). The reverse leaves them."""

import phonenumbers
from django.db import migrations


def _normalise(value: str) -> str | None:
    try:
        number = phonenumbers.parse((value or "").strip()[:40], "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.region_code_for_number(number) != "CN"
    ):
        return None
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isascii() and ch.isdigit())


def normalise(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    changed = []
    for pk, phone in Complaint.objects.values_list("pk", "complainant_phone").iterator():
        stored = _normalise(phone)
        if stored is not None and stored != phone:
            changed.append(Complaint(pk=pk, complainant_phone=stored))
        if len(changed) >= 1000:
            Complaint.objects.bulk_update(changed, ["complainant_phone"])
            changed = []
    if changed:
        Complaint.objects.bulk_update(changed, ["complainant_phone"])


class Migration(migrations.Migration):
    dependencies = [("complaints", "0007_intake_lock")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
