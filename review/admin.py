"""Admin registration only. Rule settings are edited per scheme; screening runs are history."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from merchants.admin import ReadOnlyAdminMixin
from review.models import SchemeScreening, ScreeningCheck, ScreeningRuleSetting, ScreeningRun
from review.rules import RULES


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
