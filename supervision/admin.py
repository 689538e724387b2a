from django.contrib import admin
from django.http import HttpRequest

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


class RollupAdmin(admin.ModelAdmin):
    """Figures the refresh rebuilds: read only (an edit would be lost at the next refresh)."""

    list_filter = ("region__level",)
    search_fields = ("region__code", "region__name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


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
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("day", "ordinal")
    date_hierarchy = "day"

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
