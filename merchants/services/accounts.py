from django.conf import settings
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


def user_update_settings(
    *, user: User, language: str | None = None, complaint_notices: str | None = None
) -> User:
    """The person's own settings: the language of their messages and mail (blank: the site's),
    and, for complaint handlers, how they hear of new complaints. Only what is given changes."""
    changed = []
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise ValueError(f"unknown language {language!r}")
        user.language = language
        changed.append("language")
    if complaint_notices is not None:
        if complaint_notices not in User.ComplaintNotices.values:
            raise ValueError(f"unknown complaint notice setting {complaint_notices!r}")
        user.complaint_notices = complaint_notices
        changed.append("complaint_notices")
    if changed:
        User.objects.filter(pk=user.pk).update(**{name: getattr(user, name) for name in changed})
        audit_log(
            actor=user,
            action="user.settings",
            obj=user,
            data={name: getattr(user, name) for name in changed},
        )
    return user
