import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from merchants.models.files import StoredFile
from merchants.schemes import SchemeKind, kind_choices, scheme_kind


class Region(models.Model):
    """A node of the province → city → county tree, keyed by its GB/T 2260 code.

    Codes are hierarchical (33 / 3301 / 330102), so a subtree is a code prefix: one indexed
    `LIKE '3301%'` instead of a recursive query.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The code prefix shared by this region and everything below it."""
        return {self.Level.PROVINCE: self.code[:2], self.Level.CITY: self.code[:4]}.get(
            self.level, self.code
        )


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
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    can_review = models.BooleanField(_("reviewer"), default=False)
    can_handle_complaints = models.BooleanField(_("complaint handler"), default=False)
    can_inspect = models.BooleanField(_("inspector"), default=False)
    can_supervise = models.BooleanField(_("supervisor"), default=False)

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
    def is_regulator(self) -> bool:
        return self.role == self.Role.REGULATOR and self.region_id is not None

    @property
    def is_coordinator(self) -> bool:
        return self.role == self.Role.COORDINATOR and self.region_id is not None

    @property
    def is_platform_admin(self) -> bool:
        return self.is_superuser or self.role == self.Role.ADMIN


class Industry(models.TextChoices):
    CATERING = "catering", _("Catering")
    RETAIL = "retail", _("Retail")
    SUPERMARKET = "supermarket", _("Supermarket")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    FINANCE = "finance", _("Financial services")
    HOSPITALITY = "hospitality", _("Hotels and lodging")
    TOURISM = "tourism", _("Tourism")
    SERVICES = "services", _("Consumer services")
    COMMERCIAL_DISTRICT = "district", _("Shopping district management")
    OTHER = "other", _("Other")


def new_public_code() -> str:
    return secrets.token_urlsafe(12)


class Merchant(models.Model):
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_representative = models.CharField(_("legal representative"), max_length=50)
    address = models.CharField(_("address"), max_length=300)
    region = models.ForeignKey(
        Region,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="merchants",
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    licence_valid_from = models.DateField(_("business licence valid from"))
    licence_valid_until = models.DateField(
        _("business licence valid until"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a licence without an end date."),
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    public_code = models.CharField(
        _("public code"), max_length=24, unique=True, default=new_public_code, editable=False
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="merchants"
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        constraints = [
            models.CheckConstraint(
                condition=Q(licence_valid_until__isnull=True)
                | Q(licence_valid_until__gte=models.F("licence_valid_from")),
                name="merchant_licence_dates_ordered",
            )
        ]
        # Lists are sorted by name (merchants) and by last change (declarations), 50 a page.
        indexes = [models.Index(fields=["name", "id"], name="merchant_name_idx")]

    def __str__(self) -> str:
        return self.name


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


class Permit(models.Model):
    class Type(models.TextChoices):
        FOOD_BUSINESS = "food_business", _("Food business licence")
        FOOD_PRODUCTION = "food_production", _("Food production licence")
        INDUSTRIAL_PRODUCTION = "production", _("Industrial product production licence")
        FINANCIAL = "financial", _("Financial business licence")
        MEDICAL_DEVICE = "medical_device", _("Medical device business permit")
        DRUG = "drug", _("Drug business licence")
        OTHER = "other", _("Other permit")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="permits")
    permit_type = models.CharField(_("permit type"), max_length=20, choices=Type.choices)
    number = models.CharField(_("permit number"), max_length=50)
    valid_until = models.DateField(_("valid until"))

    class Meta:
        ordering = ["permit_type", "valid_until"]
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "permit_type", "number"], name="permit_unique_per_merchant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_permit_type_display()} {self.number}"


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


class AuditEntry(models.Model):
    """Who did what to which object, for actions that are not state transitions."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=50)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_entries"
    )
    object_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class TranslatedNameMixin:
    """Schemes are data: the Chinese name is primary, English is shown to English browsers."""

    name: str
    name_en: str

    @property
    def display_name(self) -> str:
        lang = get_language() or ""
        return self.name_en if lang.startswith("en") and self.name_en else self.name


class Scheme(TranslatedNameMixin, models.Model):
    # The kinds are the modules of merchants.schemes; `Scheme.Kind.FACTORY` etc. name them.
    Kind = models.TextChoices(
        "Kind", [(code.upper(), (code, label)) for code, label in kind_choices()]
    )

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=kind_choices,
        help_text=_("Decides which extra fields a declaration for this scheme carries."),
    )
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("open for declarations"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")

    def __str__(self) -> str:
        return self.name

    @property
    def spec(self) -> SchemeKind:
        """What this scheme's kind asks of a declaration and shows the public."""
        return scheme_kind(self.kind)


class Commitment(TranslatedNameMixin, models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="commitments")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("text (Chinese)"), max_length=300)
    name_en = models.CharField(_("text (English)"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scheme", "order", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="commitment_code_per_scheme")
        ]

    def __str__(self) -> str:
        return self.name


class RequiredDocument(TranslatedNameMixin, models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="required_documents")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scheme", "order", "id"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="document_code_per_scheme")
        ]

    def __str__(self) -> str:
        return self.name


class DeclarationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    SCREENING_FAILED = "screening_failed", _("Screening failed")
    PENDING_REVIEW = "pending_review", _("Pending review")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for amendment")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


CLOSED_DECLARATION_STATES = (
    DeclarationState.REJECTED,
    DeclarationState.WITHDRAWN,
    DeclarationState.REVOKED,
    DeclarationState.EXPIRED,
)


class Declaration(models.Model):
    State = DeclarationState

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="declarations")
    # The merchant's county, copied so that a regulator's queue is scoped and counted from this
    # table alone (merchant_update keeps it in step when a merchant moves).
    region = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="declarations")
    state = models.CharField(
        _("state"), max_length=20, choices=DeclarationState.choices, default=DeclarationState.DRAFT
    )
    details = models.JSONField(_("scheme details"), default=dict, blank=True)
    accepted_commitments = models.ManyToManyField(
        Commitment, blank=True, related_name="+", verbose_name=_("commitments accepted")
    )
    member_merchants = models.ManyToManyField(
        Merchant,
        blank=True,
        related_name="district_declarations",
        verbose_name=_("member merchants"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Review: who holds it, when it is due (working days after submission), what screening said.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    flagged = models.BooleanField(
        _("flagged"), default=False, help_text=_("Screening gave warnings for the reviewer.")
    )
    screening_incomplete = models.BooleanField(
        _("screening incomplete"),
        default=False,
        help_text=_("A data source could not be reached after every retry."),
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "scheme"],
                condition=~Q(state__in=[s.value for s in CLOSED_DECLARATION_STATES]),
                name="one_open_declaration_per_merchant_scheme",
                violation_error_message=_(
                    "This merchant already has an open declaration for this scheme."
                ),
            )
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="declaration_state_idx"),
            models.Index(fields=["-updated_at", "-id"], name="declaration_updated_idx"),
            models.Index(fields=["state", "review_due", "id"], name="declaration_queue_idx"),
            # Covers the review queue's per-tab counts for a region subtree (index-only scan).
            models.Index(
                fields=[
                    "region",
                    "state",
                    "review_due",
                    "decided_at",
                    "reviewer",
                    "is_overdue",
                    "flagged",
                    "scheme",
                ],
                name="declaration_region_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} — {self.scheme}"

    @property
    def is_editable(self) -> bool:
        return self.state in (
            DeclarationState.DRAFT,
            DeclarationState.RETURNED,
            DeclarationState.SCREENING_FAILED,
        )


def declaration_upload_path(instance: "DeclarationDocument", filename: str) -> str:
    return f"declarations/{instance.declaration_id}/{secrets.token_hex(8)}{instance.extension}"


class DeclarationDocument(StoredFile):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="documents")
    required_document = models.ForeignKey(
        RequiredDocument, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=declaration_upload_path)

    class Meta:
        ordering = ["required_document__order", "uploaded_at"]
        verbose_name = _("declaration document")
        verbose_name_plural = _("declaration documents")


class DeclarationEvent(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system made the change."),
    )
    from_state = models.CharField(
        _("from"), max_length=20, choices=DeclarationState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=20, choices=DeclarationState.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("declaration event")
        verbose_name_plural = _("declaration events")

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state}"
