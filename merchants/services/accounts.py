from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import DomainError
from merchants.models import User
from merchants.permissions import MEMBER_ROLES, may_be_member
from merchants.services.audit import audit_log

SELF_SIGNUP_ROLES = (User.Role.CONSUMER, User.Role.MERCHANT)


def require_may_be_member(user: User) -> None:
    """The one check before any membership is made (registration, invitation, admin)."""
    if not may_be_member(user):
        raise DomainError(
            _(
                "Regulators, coordinators and administrators cannot work for a merchant: an "
                "account is either a supervisor's or a merchant's, never both."
            )
        )


def require_role_allowed(user: User, role: str, *, is_superuser: bool | None = None) -> None:
    """Giving an account a supervisor's role (or superuser) while it works for merchants is
    refused: its memberships must be removed first."""
    superuser = user.is_superuser if is_superuser is None else is_superuser
    if (role in MEMBER_ROLES and not superuser) or user.pk is None:
        return
    if user.memberships.exists():
        raise DomainError(
            _(
                "This account works for a merchant: remove its memberships before making it a "
                "regulator, coordinator or administrator."
            ),
            field="role",
        )


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
    *,
    user: User,
    language: str | None = None,
    complaint_notices: str | None = None,
    worklist_digest: bool | None = None,
) -> User:
    """The person's own settings: the language of their messages and mail (blank: the site's),
    for complaint handlers how they hear of new complaints, for regulators whether they get the
    daily work list. Only what is given changes."""
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
    if worklist_digest is not None:
        user.worklist_digest = worklist_digest
        changed.append("worklist_digest")
    if changed:
        User.objects.filter(pk=user.pk).update(**{name: getattr(user, name) for name in changed})
        audit_log(
            actor=user,
            action="user.settings",
            obj=user,
            data={name: getattr(user, name) for name in changed},
        )
    return user
