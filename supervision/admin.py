from django.contrib import admin
from django.http import HttpRequest

from merchants.admin import ReadOnlyAdminMixin
from supervision.models import (
    BreakdownCount,
    CalendarDay,
    DurationCount,
    MonthlyFigures,
    PoolFlow,
    RefreshState,
    SnapshotFigure,
    SupervisionTarget,
    ThresholdCrossing,
)


@admin.register(SupervisionTarget)
class SupervisionTargetAdmin(admin.ModelAdmin):
    list_display = ("year", "measure", "value")
    list_filter = ("year", "measure")
    search_fields = ("measure",)


@admin.register(RefreshState)
class RefreshStateAdmin(admin.ModelAdmin):
    list_display = ("full_at", "full_seconds", "recent_at", "running_since")
    readonly_fields = ("full_at", "full_seconds", "recent_at", "running_since")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class RollupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Figures the refresh rebuilds: read only (an edit would be lost at the next refresh)."""

    list_filter = ("region__level",)
    search_fields = ("region__code", "region__name")


@admin.register(MonthlyFigures)
class MonthlyFiguresAdmin(RollupAdmin):
    list_display = ("region", "month", "complaints_received", "complaints_closed")
    list_filter = ("month",)


@admin.register(SnapshotFigure)
class SnapshotFigureAdmin(RollupAdmin):
    list_display = ("region", "measure", "key", "value")
    list_filter = ("measure",)


for model in (DurationCount, BreakdownCount, PoolFlow, ThresholdCrossing):
    admin.site.register(model, RollupAdmin)


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The working-day calendar the refresh extends from the official holidays."""

    list_display = ("day", "ordinal")
    date_hierarchy = "day"
