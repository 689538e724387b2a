from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import OutboxItem
from common.outbox import FAILING_AFTER, outbox_retry_now


class DeliveryFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("failing", _("Failing for over an hour")),
            ("pending", _("Pending")),
            ("delivered", _("Delivered")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "failing":
            return queryset.filter(
                delivered_at__isnull=True,
                attempts__gt=0,
                created_at__lt=timezone.now() - FAILING_AFTER,
            )
        if self.value() == "pending":
            return queryset.filter(delivered_at__isnull=True)
        if self.value() == "delivered":
            return queryset.filter(delivered_at__isnull=False)
        return queryset


@admin.register(OutboxItem)
class OutboxItemAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "created_at", "attempts", "due_at", "delivered_at", "last_error"]
    list_filter = [DeliveryFilter, "kind"]
    search_fields = ["key", "last_error"]
    readonly_fields = [f.name for f in OutboxItem._meta.fields]
    actions = ["retry_now"]

    @admin.action(description=_("Try the selected items again now"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = outbox_retry_now(queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(n)d item(s) will be tried again now.") % {"n": count})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxItem | None = None) -> bool:
        return False
