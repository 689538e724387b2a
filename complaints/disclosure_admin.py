"""Admin screens of public disclosure: dates and the threshold are editable; snapshots are read
only (they change only through complaints.disclosure)."""

from django.contrib import admin
from django.http import HttpRequest

from complaints.models import (
    DisclosureDate,
    DisclosureMerchantRow,
    DisclosureSettings,
    DisclosureSnapshot,
)


@admin.register(DisclosureSettings)
class DisclosureSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "merchant_threshold")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not DisclosureSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DisclosureDate)
class DisclosureDateAdmin(admin.ModelAdmin):
    list_display = ("name", "date", "period_start", "period_end", "is_active")
    list_filter = ("is_active",)
    list_editable = ("is_active",)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # A date with a snapshot is history; PROTECT would refuse anyway.
        return obj is None or not DisclosureSnapshot.objects.filter(disclosure_date=obj).exists()


class DisclosureMerchantRowInline(admin.TabularInline):
    model = DisclosureMerchantRow
    fields = ("merchant_name", "received", "accepted", "resolved", "merchant_flag", "flag_comment")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DisclosureSnapshot)
class DisclosureSnapshotAdmin(admin.ModelAdmin):
    list_display = ("disclosure_date", "period_start", "period_end", "state", "published_at")
    list_filter = ("state",)
    inlines = (DisclosureMerchantRowInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
