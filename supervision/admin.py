from django.contrib import admin
from django.http import HttpRequest

from supervision.models import RefreshState, SupervisionTarget


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
