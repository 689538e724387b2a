from django.db import transaction

from merchants.models import User
from merchants.services.audit import audit_log

SELF_SIGNUP_ROLES = (User.Role.CONSUMER, User.Role.MERCHANT)


@transaction.atomic
def user_sign_up(*, username: str, email: str, password: str, role: str, phone: str = "") -> User:
    """Self sign-up: consumers and merchant operators only; staff roles are made by admins."""
    if role not in SELF_SIGNUP_ROLES:
        raise ValueError(f"role {role!r} cannot sign up by itself")
    user = User.objects.create_user(
        username=username, email=email, password=password, role=role, phone=phone
    )
    audit_log(actor=user, action="user.sign_up", obj=user, data={"role": role})
    return user
