"""An account is either a supervisor's or a merchant's, never both (issue 14, finding 2).

Services refuse new memberships for regulators, coordinators and administrators, and a role
change to one of them while the account works for a merchant; this removes the memberships such
accounts already held (inert since may_be_member, but misleading in admin and exports)."""

from django.db import migrations
from django.db.models import Q

MEMBER_ROLES = ("consumer", "merchant")


def remove(apps, schema_editor):
    Membership = apps.get_model("merchants", "Membership")
    conflicting = Membership.objects.filter(
        ~Q(user__role__in=MEMBER_ROLES) | Q(user__is_superuser=True)
    )
    removed = list(conflicting.values_list("user__username", "merchant_id"))
    conflicting.delete()
    for username, merchant_id in removed:
        print(f"\n  membership removed: {username} @ merchant {merchant_id}", end="")


class Migration(migrations.Migration):
    dependencies = [("merchants", "0009_county_change_requests")]

    operations = [migrations.RunPython(remove, migrations.RunPython.noop)]
