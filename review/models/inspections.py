"""Quality control: checklists, spot-check campaigns drawn at random (双随机), inspections.

A campaign's sample and inspectors are drawn from a stored seed over a population defined by
the campaign's scope as of the draw, so anyone can run the draw again and get the same result
(review.services.inspections.campaign_draw / campaign_verify_draw).
"""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.messages import render_then
from merchants.models import CheckedReport, Industry, Merchant, Pool, Region, Scheme, StoredFile

# Bounds of numbers people type: a sample drawn from one province, a look-back of ten years,
# a month to rectify.
MAX_SAMPLE_SIZE = 100_000
MAX_EXCLUDE_DAYS = 3650
MAX_RECTIFICATION_DAYS = 365


def validate_due_date(due: date) -> None:
    """A campaign's due date: after today, within two years."""
    if due <= timezone.localdate():
        raise ValidationError(_("The due date must be after today."), code="due_past")
    if due > timezone.localdate() + MAX_DUE_AHEAD:
        raise ValidationError(
            _("The due date must be within two years from today."), code="due_far"
        )


class QualityControlSetting(models.Model):
    """The one row of admin-editable quality-control settings (pk=1)."""

    exclude_recent_days = models.PositiveSmallIntegerField(
        _("leave out merchants inspected in the last … days"),
        default=90,
        validators=[MaxValueValidator(MAX_EXCLUDE_DAYS)],
        help_text=_("A new campaign starts with this value; 0 keeps everyone in the draw."),
    )
    rectification_days = models.PositiveSmallIntegerField(
        _("days to rectify"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RECTIFICATION_DAYS)],
        help_text=_("Calendar days the merchant has to answer a rectify or fail result."),
    )

    class Meta:
        verbose_name = _("quality-control settings")
        verbose_name_plural = _("quality-control settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(exclude_recent_days__lte=MAX_EXCLUDE_DAYS)
                & Q(rectification_days__gte=1, rectification_days__lte=MAX_RECTIFICATION_DAYS),
                name="qc_setting_days_bounded",
            )
        ]

    def __str__(self) -> str:
        return str(_("Quality-control settings"))

    @classmethod
    def current(cls) -> "QualityControlSetting":
        return cls.objects.get_or_create(pk=1)[0]


class ChecklistTemplate(models.Model):
    """A checklist for inspections of one scheme (or of any scheme when the scheme is empty).

    Editing a template in admin raises its version; an inspection keeps a copy of the items and
    the version it was recorded with, so past inspections never change.
    """

    scheme = models.ForeignKey(
        Scheme,
        verbose_name=_("scheme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checklists",
        help_text=_("Empty: usable for any scheme."),
    )
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    pass_score = models.PositiveSmallIntegerField(
        _("pass score"),
        default=80,
        validators=[MaxValueValidator(100)],
        help_text=_("Below this weighted score (0 to 100) the result cannot be “pass”."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["scheme__order", "name", "id"]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_score__lte=100), name="checklist_pass_score_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def display_name(self) -> str:
        lang = get_language() or ""
        return self.name_en if lang.startswith("en") and self.name_en else self.name

    def snapshot(self) -> list[dict]:
        """The items as an inspection stores them."""
        return [
            {
                "code": item.code,
                "text": item.text,
                "text_en": item.text_en,
                "weight": item.weight,
                "critical": item.is_critical,
            }
            for item in self.items.all()
        ]


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(_("code"), max_length=40)
    text = models.CharField(_("text (Chinese)"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_critical = models.BooleanField(
        _("failing it fails the inspection"),
        default=False,
        help_text=_("A critical item not met makes the result “fail”, whatever the score."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["template", "order", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="checklist_item_code_once"),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=100), name="checklist_item_weight_1_to_100"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class InspectionMethod(models.TextChoices):
    ONLINE = "online", _("Online spot check")
    ON_SITE = "on_site", _("On-site inspection")
    COVERT = "covert", _("Covert inspection")


# The most merchants one campaign may draw (a province has about that many).
# A campaign's visits are due within this time.
MAX_DUE_AHEAD = timedelta(days=731)


class Campaign(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        DRAWN = "drawn", _("Drawn")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Merchants in this region and below are in scope."),
    )
    schemes = models.ManyToManyField(
        Scheme,
        verbose_name=_("schemes"),
        blank=True,
        related_name="+",
        help_text=_("Merchants approved for any of these schemes; none chosen: any scheme."),
    )
    industries = models.JSONField(
        _("industries"),
        default=list,
        blank=True,
        help_text=_("Industry codes; empty: any industry."),
    )
    pools = models.JSONField(
        _("pools"),
        default=list,
        blank=True,
        help_text=_("Merchants now in any of these pools; empty: any pool."),
    )
    method = models.CharField(_("method"), max_length=10, choices=InspectionMethod.choices)
    checklist = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="+"
    )
    sample_size = models.PositiveIntegerField(
        _("sample size"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SAMPLE_SIZE)],
    )
    sample_ratio = models.DecimalField(
        _("sample ratio"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0001), MaxValueValidator(1)],
        help_text=_("A share of the population, e.g. 0.05 for 5%."),
    )
    inspectors_per_visit = models.PositiveSmallIntegerField(
        _("inspectors per visit"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    is_cross = models.BooleanField(
        _("cross-inspection"),
        default=False,
        help_text=_("Inspectors come from another county than the merchant's."),
    )
    exclude_recent_days = models.PositiveSmallIntegerField(
        _("leave out merchants inspected in the last … days"),
        default=0,
        validators=[MaxValueValidator(MAX_EXCLUDE_DAYS)],
    )
    due_date = models.DateField(_("due date"))
    # Generated when the sample is drawn, not before: nobody can pick a seed to steer the draw.
    seed = models.CharField(_("seed"), max_length=64, blank=True)
    population = models.JSONField(
        _("population"),
        default=list,
        blank=True,
        help_text=_("The ids of the merchants the sample was drawn from, as of the draw."),
    )
    inspector_pool = models.JSONField(
        _("inspector pool"),
        default=dict,
        blank=True,
        help_text=_("County code → ids of the inspectors who could be drawn for it."),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    population_count = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_digest = models.CharField(
        _("population digest"),
        max_length=64,
        blank=True,
        help_text=_("SHA-256 of the population's merchant ids, to check a re-run of the draw."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("spot-check campaign")
        verbose_name_plural = _("spot-check campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_size__isnull=False, sample_ratio__isnull=True)
                | Q(sample_size__isnull=True, sample_ratio__isnull=False),
                name="campaign_size_or_ratio",
                violation_error_message=_("Give a sample size or a sample ratio, not both."),
            ),
            models.CheckConstraint(
                condition=Q(sample_size__isnull=True)
                | Q(sample_size__gte=1, sample_size__lte=MAX_SAMPLE_SIZE),
                name="campaign_sample_size_bounds",
                violation_error_message=_("The sample size must be between 1 and 100,000."),
            ),
            models.CheckConstraint(
                condition=Q(sample_ratio__isnull=True) | Q(sample_ratio__gt=0, sample_ratio__lte=1),
                name="campaign_sample_ratio_bounds",
            ),
            models.CheckConstraint(
                condition=Q(inspectors_per_visit__gte=1, inspectors_per_visit__lte=5)
                & Q(exclude_recent_days__lte=MAX_EXCLUDE_DAYS),
                name="campaign_numbers_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def industry_labels(self) -> list[str]:
        return [str(Industry(code).label) for code in self.industries if code in Industry.values]

    @property
    def pool_labels(self) -> list[str]:
        return [str(Pool(code).label) for code in self.pools if code in Pool.values]


class InspectionState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    RECTIFYING = "rectifying", _("Awaiting rectification")
    RECTIFICATION_SUBMITTED = "rectification_submitted", _("Rectification submitted")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# The states a visit is still being worked on in; closed and cancelled are final.
OPEN_INSPECTION_STATES = (
    InspectionState.SCHEDULED,
    InspectionState.RECTIFYING,
    InspectionState.RECTIFICATION_SUBMITTED,
)


class InspectionResult(models.TextChoices):
    PASS = "pass", _("Pass")
    RECTIFY = "rectify", _("Rectify")
    FAIL = "fail", _("Fail")


class Inspection(models.Model):
    State = InspectionState
    Result = InspectionResult

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="inspections"
    )
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="inspections"
    )
    # The merchant's county when drawn: scopes the inspection to regulators like a declaration.
    region = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("method"), max_length=10, choices=InspectionMethod.choices)
    draw_order = models.PositiveIntegerField(_("order drawn"))
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspectors"),
        through="InspectionAssignment",
        related_name="inspections",
    )
    state = models.CharField(
        _("state"),
        max_length=24,
        choices=InspectionState.choices,
        default=InspectionState.SCHEDULED,
    )
    due_date = models.DateField(_("visit due"))
    checklist_template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checklist_version = models.PositiveIntegerField(_("checklist version"), null=True, blank=True)
    checklist = models.JSONField(_("checklist used"), default=list, blank=True)
    answers = models.JSONField(
        _("answers"), default=dict, blank=True, help_text=_('Item code → "yes", "no" or "na".')
    )
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    result = models.CharField(
        _("result"), max_length=8, choices=InspectionResult.choices, blank=True
    )
    notes = models.TextField(
        _("internal notes"), blank=True, help_text=_("Seen by regulators only.")
    )
    findings = models.TextField(
        _("findings for the merchant"),
        blank=True,
        help_text=_("What the merchant must put right; shown to the merchant."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    rectification_due = models.DateField(_("rectify by"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["campaign", "draw_order"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "merchant"], name="inspection_once_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(state="scheduled") | Q(state="cancelled") | ~Q(result=""),
                name="inspection_recorded_has_result",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100),
                name="inspection_score_0_to_100",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "visited_at"], name="inspection_merchant_idx"),
            # The open visits, few beside the closed history: "my inspections" lists them first.
            models.Index(
                fields=["id"],
                condition=Q(state__in=OPEN_INSPECTION_STATES),
                name="inspection_open_idx",
            ),
            models.Index(fields=["region", "state", "due_date"], name="inspection_region_idx"),
            # The inspection staff's list (the API), latest due first: a page walks this index,
            # testing the region in it (bench/README.md, "Pool browser and the other lists").
            models.Index(fields=["-due_date", "-id", "region"], name="inspection_due_idx"),
            # A county's share of it, in the same order, read directly.
            models.Index(fields=["region", "-due_date", "-id"], name="inspection_county_due_idx"),
            # The campaign list counts each campaign's recorded visits in it.
            models.Index(
                fields=["campaign"],
                condition=Q(visited_at__isnull=False),
                name="inspection_recorded_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.merchant}"

    @property
    def is_covert(self) -> bool:
        return self.method == InspectionMethod.COVERT

    @property
    def is_recorded(self) -> bool:
        return self.visited_at is not None

    @property
    def failed_items(self) -> list[dict]:
        """The checklist items answered “no”, in checklist order, each with its display text."""
        lang = get_language() or ""
        return [
            {
                **item,
                "label": item["text_en"]
                if lang.startswith("en") and item["text_en"]
                else item["text"],
            }
            for item in self.checklist
            if self.answers.get(item["code"]) == "no"
        ]


class InspectionAssignment(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="assignments")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspection_assignments"
    )
    is_lead = models.BooleanField(_("lead inspector"), default=False)
    # Copies of the visit's due date and draw order, which never change after the draw: the
    # inspector's list walks its visits in this order from the assignments' own index.
    due_date = models.DateField(_("visit due"))
    draw_order = models.PositiveIntegerField(_("order drawn"))
    # A hint for that list, not the state: true from the draw, false once the visit is closed
    # or cancelled (review.services). A visit never reopens, so every open visit's assignments
    # are true; the list still tests the visit's state.
    is_open = models.BooleanField(_("visit open"), default=True)
    # The visit's county, copied (and moved with it): the staff list finds the visits assigned
    # to a regulator outside their region from the assignments alone.
    region = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["inspection", "-is_lead", "id"]
        verbose_name = _("inspection assignment")
        verbose_name_plural = _("inspection assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "inspector"], name="inspector_once_per_inspection"
            )
        ]
        indexes = [
            # "My inspections", earliest due first (bench/README.md): the open ones from the
            # few marked open, the others walked past them; counted in the first alone.
            models.Index(
                fields=["inspector", "due_date", "draw_order", "inspection", "is_open"],
                name="assignment_inspector_due_idx",
            ),
            models.Index(
                fields=["inspector", "due_date", "draw_order", "inspection"],
                condition=Q(is_open=True),
                name="assignment_open_idx",
            ),
            models.Index(
                fields=["inspector", "region", "due_date", "inspection"],
                name="assignment_region_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} → {self.inspection_id}"

    @classmethod
    def of(
        cls, inspection: Inspection, *, inspector_id: int, is_lead: bool
    ) -> "InspectionAssignment":
        """An assignment to the visit, with the copies its inspector's list is read by."""
        return cls(
            inspection=inspection,
            inspector_id=inspector_id,
            is_lead=is_lead,
            due_date=inspection.due_date,
            draw_order=inspection.draw_order,
            is_open=inspection.state in OPEN_INSPECTION_STATES,
            region_id=inspection.region_id,
        )


def inspection_file_path(instance: "InspectionFile", filename: str) -> str:
    return f"inspections/{instance.inspection_id}/{secrets.token_hex(8)}{instance.extension}"


class InspectionFile(StoredFile):
    """A photo from the visit (kind=photo, regulators only) or a file with a rectification
    report (kind=rectification, seen by the merchant and the inspectors)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Inspection photo")
        RECTIFICATION = "rectification", _("Rectification evidence")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="files")
    rectification = models.ForeignKey(
        "Rectification", on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=inspection_file_path)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("inspection file")
        verbose_name_plural = _("inspection files")


class Rectification(CheckedReport):
    """The merchant's report on what was put right after a visit, and the inspector's check."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="rectifications"
    )

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.submitted_at:%Y-%m-%d}"


class InspectionEvent(models.Model):
    class Action(models.TextChoices):
        DRAWN = "drawn", _("Drawn for inspection")
        RECORDED = "recorded", _("Result recorded")
        RECTIFICATION_SUBMITTED = "rectification_submitted", _("Rectification submitted")
        RECTIFICATION_ACCEPTED = "rectification_accepted", _("Rectification accepted")
        RECTIFICATION_REJECTED = "rectification_rejected", _("Rectification rejected")
        CANCELLED = "cancelled", _("Cancelled")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system made the change."),
    )
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    from_state = models.CharField(
        _("from"), max_length=24, choices=InspectionState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=24, choices=InspectionState.choices)
    note = models.TextField(
        _("note"), blank=True, help_text=_("The note as the person who acted typed it.")
    )
    message = models.JSONField(
        _("system message"),
        null=True,
        blank=True,
        help_text=_("What the system wrote: a message code, shown in the reader's language."),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("inspection event")
        verbose_name_plural = _("inspection events")

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.action}"

    @property
    def note_text(self) -> str:
        """The note as the reader sees it: the system's message in the active language, then
        what the person typed."""
        return render_then(self.message, self.note)
