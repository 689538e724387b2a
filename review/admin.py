"""Admin registration only. Rule settings are edited per scheme; screening runs are history."""

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from merchants.admin import ReadOnlyAdminMixin
from review.models import (
    Campaign,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAssignment,
    InspectionEvent,
    InspectionFile,
    Patrol,
    PatrolPhoto,
    QualityControlSetting,
    Rectification,
    SchemeScreening,
    ScreeningCheck,
    ScreeningRuleSetting,
    ScreeningRun,
)
from review.rules import RULES
from review.services import campaigns as campaign_services


def _rule_help() -> str:
    intro = format_html(
        "<p>{}</p>",
        _(
            "A rule with no row for the scheme runs with its defaults; add a row to switch it "
            "off or change it. Parameters left out of a row keep their defaults."
        ),
    )
    return intro + format_html_join(
        "",
        "<p><strong>{}</strong> ({}): {} <em>{}</em></p>",
        (
            (
                rule.label,
                rule.code,
                rule.description,
                _("Defaults: %(params)s; on breach: %(breach)s.")
                % {
                    "params": dict(rule.default_params) or "—",
                    "breach": "/".join(rule.breach_choices) or "—",
                },
            )
            for rule in sorted(RULES.values(), key=lambda r: r.order)
        ),
    )


class ScreeningRuleSettingInline(admin.TabularInline):
    model = ScreeningRuleSetting
    fields = ("rule", "enabled", "on_breach", "params", "order")
    extra = 0


@admin.register(SchemeScreening)
class SchemeScreeningAdmin(admin.ModelAdmin):
    """One page per scheme listing its screening rules, the place to switch them and tune them."""

    list_display = ("name", "code", "kind", "enabled_rules")
    fields = ("name", "code", "kind", "rule_reference")
    readonly_fields = ("name", "code", "kind", "rule_reference")
    inlines = (ScreeningRuleSettingInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("enabled rules"))
    def enabled_rules(self, obj: SchemeScreening) -> int:
        return obj.screening_rules.filter(enabled=True).count()

    @admin.display(description=_("the rules"))
    def rule_reference(self, obj: SchemeScreening) -> str:
        return _rule_help()


@admin.register(ScreeningRuleSetting)
class ScreeningRuleSettingAdmin(admin.ModelAdmin):
    list_display = ("scheme", "rule", "enabled", "on_breach", "params", "order")
    list_editable = ("enabled", "on_breach", "params", "order")
    list_filter = ("scheme", "rule", "enabled")
    list_select_related = ("scheme",)
    ordering = ("scheme__order", "order", "rule")


class ScreeningCheckInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ScreeningCheck
    fields = ("rule", "outcome", "reason_zh", "reason_en", "data")
    readonly_fields = fields
    extra = 0


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "declaration",
        "attempt",
        "outcome",
        "started_at",
        "finished_at",
        "triggered_by",
    )
    list_filter = ("outcome", "started_at")
    list_select_related = ("declaration__merchant", "declaration__scheme", "triggered_by")
    search_fields = ("declaration__merchant__uscc", "declaration__merchant__name")
    raw_id_fields = ("declaration", "triggered_by")
    date_hierarchy = "started_at"
    show_full_result_count = False
    inlines = (ScreeningCheckInline,)


@admin.register(ScreeningCheck)
class ScreeningCheckAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("run", "rule", "outcome", "reason_zh")
    list_filter = ("outcome", "rule")
    list_select_related = ("run",)
    raw_id_fields = ("run",)
    show_full_result_count = False


# Quality control


@admin.register(QualityControlSetting)
class QualityControlSettingAdmin(admin.ModelAdmin):
    """The one row of settings: it can be changed, never added twice or deleted."""

    list_display = ("__str__", "exclude_recent_days", "rectification_days")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not QualityControlSetting.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ("order", "code", "text", "text_en", "weight", "is_critical")
    extra = 1


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    """Saving a template whose fields or items changed raises its version; inspections keep
    the copy of the items (and the version) they were recorded with."""

    list_display = ("name", "name_en", "scheme", "version", "pass_score", "is_active", "updated_at")
    list_filter = ("is_active", "scheme")
    search_fields = ("name", "name_en", "items__code", "items__text")
    list_select_related = ("scheme",)
    readonly_fields = ("version", "updated_at")
    inlines = (ChecklistItemInline,)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(f.has_changed() for f in formsets)):
            campaign_services.checklist_version_bump(actor=request.user, template=form.instance)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """The scope of a draft can be corrected here; the draw itself is read-only."""

    list_display = ("name", "region", "method", "state", "due_date", "created_at")
    list_filter = ("state", "method", "is_cross")
    search_fields = ("name", "seed", "region__name", "region__code")
    list_select_related = ("region",)
    raw_id_fields = ("created_by", "region")
    date_hierarchy = "created_at"
    readonly_fields = (
        "state",
        "seed",
        "population_count",
        "population_digest",
        "population",
        "inspector_pool",
        "drawn_at",
        "drawn_by",
        "closed_at",
        "created_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Campaign | None = None) -> tuple:
        if obj is not None and obj.state != Campaign.State.DRAFT:
            # Drawn: nothing may change, or the published draw would no longer re-run.
            return tuple(f.name for f in Campaign._meta.get_fields() if f.concrete)
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        return obj is None or obj.state == Campaign.State.DRAFT


class InspectionAssignmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InspectionAssignment
    fields = ("inspector", "is_lead")
    readonly_fields = fields
    extra = 0


class InspectionEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InspectionEvent
    fields = ("created_at", "action", "from_state", "to_state", "actor", "note_text")
    readonly_fields = fields
    extra = 0


class InspectionFileInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InspectionFile
    fields = ("kind", "original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Inspections change through the inspectors' pages (with their events), never here."""

    list_display = ("merchant", "campaign", "region", "method", "state", "result", "due_date")
    list_filter = ("state", "result", "method")
    search_fields = ("merchant__name", "merchant__uscc", "campaign__name")
    list_select_related = ("merchant", "campaign", "region")
    date_hierarchy = "due_date"
    show_full_result_count = False
    inlines = (InspectionAssignmentInline, InspectionFileInline, InspectionEventInline)


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("inspection", "submitted_at", "decision", "decided_at")
    list_filter = ("decision",)
    search_fields = ("inspection__merchant__name", "inspection__merchant__uscc", "report")
    list_select_related = ("inspection__merchant", "inspection__campaign")
    raw_id_fields = ("inspection",)
    date_hierarchy = "submitted_at"


class PatrolPhotoInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PatrolPhoto
    fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Coordinators' unscheduled visits, as they recorded them."""

    list_display = ("visited_on", "where", "region", "station", "recorded_by")
    list_filter = ("visited_on",)
    search_fields = ("merchant__name", "place", "station__name", "recorded_by__username")
    list_select_related = ("region", "station", "merchant", "recorded_by")
    date_hierarchy = "visited_on"
    inlines = (PatrolPhotoInline,)
