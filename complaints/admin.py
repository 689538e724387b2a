from django.contrib import admin
from django.http import HttpRequest

from complaints.models import Complaint, ComplaintEvent, ComplaintEvidence


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    fields = ("created_at", "role", "actor", "from_state", "to_state", "text")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("id", "business_display", "region", "category", "state", "created_at")
    list_filter = ("state", "category", "is_overdue")
    search_fields = ("=id", "merchant__name", "=merchant__uscc", "business_name")
    list_select_related = ("merchant", "region")
    raw_id_fields = ("merchant", "consumer", "lodged_by", "handler")
    # Complaints are never deleted and change state only through the services.
    readonly_fields = ("state", "tracking_token", "created_at", "accepted_at", "closed_at")
    inlines = (ComplaintEventInline,)
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


@admin.register(ComplaintEvidence)
class ComplaintEvidenceAdmin(ReadOnlyAdmin):
    list_display = ("uploaded_at", "complaint", "original_name", "content_type", "size")
    raw_id_fields = ("complaint", "event")


# Public disclosure: registered in its own module, loaded with this one.
import complaints.disclosure_admin  # noqa: E402, F401
