"""People: users and their roles, and who works for which merchant (memberships, invitations)."""

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.messages import person_name
from common.phones import validate_phone
from merchants.models.merchants import Merchant
from merchants.models.regions import Region


class User(AbstractUser):
    class Role(models.TextChoices):
        CONSUMER = "consumer", _("Consumer")
        MERCHANT = "merchant", _("Merchant operator")
        REGULATOR = "regulator", _("Regulator")
        COORDINATOR = "coordinator", _("Coordinator")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.CONSUMER)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Regulators: the region they supervise. Coordinators: their county."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    can_review = models.BooleanField(_("reviewer"), default=False)
    can_handle_complaints = models.BooleanField(_("complaint handler"), default=False)
    can_inspect = models.BooleanField(_("inspector"), default=False)
    can_supervise = models.BooleanField(_("supervisor"), default=False)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Messages and mail to this person are written in it; empty: the site's."),
    )

    class ComplaintNotices(models.TextChoices):
        EACH = "each", _("A message for each new complaint")
        DIGEST = "digest", _("One daily digest")

    complaint_notices = models.CharField(
        _("new complaints"),
        max_length=10,
        choices=ComplaintNotices.choices,
        default=ComplaintNotices.EACH,
        help_text=_("Complaint handlers: how they hear of new complaints in their region."),
    )
    worklist_digest = models.BooleanField(
        _("daily work list"),
        default=True,
        help_text=_(
            "Regulators: each morning, one message (inbox and e-mail) with what waits for them."
        ),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["regulator", "coordinator"]) | Q(region__isnull=False),
                name="staff_role_has_region",
                violation_error_message=_("Regulators and coordinators must be bound to a region."),
            )
        ]

    @property
    def reading_language(self) -> str:
        """The language of this person's messages and mail."""
        return self.language or settings.LANGUAGE_CODE

    @property
    def display_name(self) -> str:
        """The name in the reader's convention (周建华 / Jianhua Zhou), else the username."""
        return person_name(self.last_name, self.first_name, self.get_username())

    @property
    def is_regulator(self) -> bool:
        return self.role == self.Role.REGULATOR and self.region_id is not None

    @property
    def is_coordinator(self) -> bool:
        return self.role == self.Role.COORDINATOR and self.region_id is not None

    @property
    def is_platform_admin(self) -> bool:
        return self.is_superuser or self.role == self.Role.ADMIN


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        STAFF = "staff", _("Staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "merchant"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant} ({self.role})"


class Invitation(models.Model):
    """An owner's invitation, sent by e-mail, for someone to join a merchant's staff."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.STAFF
    )
    token = models.CharField(max_length=48, unique=True, default=secrets.token_urlsafe)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.merchant}"

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
