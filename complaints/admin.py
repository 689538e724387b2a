"""Admin screens. Complaints are never deleted and change state only through the services;
of public disclosure, dates and the threshold are editable and snapshots are read only (they
change only through complaints.services.disclosure)."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    Complaint,
    ComplaintContact,
    ComplaintEvent,
    ComplaintEvidence,
    ComplaintReturnCall,
    DisclosureDate,
    DisclosureMerchantRow,
    DisclosureSettings,
    DisclosureSnapshot,
)


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    fields = ("created_at", "role", "actor", "from_state", "to_state", "message_text", "text")
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("message"))
    def message_text(self, event: ComplaintEvent) -> str:
        return event.message_text

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ComplaintContactInline(admin.TabularInline):
    """The handler's calls and visits while handling directly: history, read only."""

    model = ComplaintContact
    extra = 0
    fields = ("contacted_on", "method", "actor", "summary", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "business_display",
        "region",
        "category",
        "channel",
        "state",
        "created_at",
    )
    list_filter = ("state", "category", "channel", "is_overdue")
    search_fields = ("=number", "=id", "merchant__name", "=merchant__uscc", "business_name")
    list_select_related = ("merchant", "region")
    raw_id_fields = ("merchant", "consumer", "lodged_by", "handler")
    # Complaints are never deleted and change state only through the services (a merchant is
    # linked and a complaint transferred by complaints.services.handling, with its event).
    readonly_fields = (
        "number",
        "state",
        "tracking_token",
        "created_at",
        "accepted_at",
        "closed_at",
        "transfer_to",
        "transferred_out_to",
        "transferred_out_province",
    )
    inlines = (ComplaintEventInline, ComplaintContactInline)
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "complaint", "role", "from_state", "to_state")
    list_filter = ("role", "to_state")
    raw_id_fields = ("complaint",)
    show_full_result_count = False


@admin.register(ComplaintContact)
class ComplaintContactAdmin(ReadOnlyAdmin):
    list_display = ("contacted_on", "complaint", "method", "actor")
    list_filter = ("method",)
    raw_id_fields = ("complaint", "event", "actor")
    show_full_result_count = False


@admin.register(ComplaintEvidence)
class ComplaintEvidenceAdmin(ReadOnlyAdmin):
    list_display = ("uploaded_at", "complaint", "original_name", "content_type", "size")
    raw_id_fields = ("complaint", "event")


@admin.register(ComplaintReturnCall)
class ComplaintReturnCallAdmin(ReadOnlyAdmin):
    """Recorded by the handlers on the complaint's page (complaints.services.return_calls)."""

    list_display = ("called_at", "complaint", "reached", "satisfaction", "recorded_by")
    list_filter = ("reached", "satisfaction")
    list_select_related = ("complaint", "complaint__merchant", "recorded_by")
    search_fields = ("=complaint__number",)
    raw_id_fields = ("complaint", "event", "recorded_by")
    show_full_result_count = False


# Public disclosure


@admin.register(DisclosureSettings)
class DisclosureSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "merchant_threshold")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not DisclosureSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DisclosureDate)
class DisclosureDateAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "name_en",
        "date",
        "period_start",
        "period_end",
        "is_active",
        "skipped_at",
    )
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
    list_display = (
        "disclosure_date",
        "period_start",
        "period_end",
        "state",
        "preview_opened_on",
        "published_at",
    )
    list_filter = ("state",)
    inlines = (DisclosureMerchantRowInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
