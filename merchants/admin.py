"""Admin registration only. Foreign keys to merchants and users use raw-id or autocomplete
widgets (300,000 merchants), and the big lists skip the full COUNT(*).

Declaration states change only through the services, which write the event rows, so the
admin shows state and events but never edits them.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from common.errors import DomainError
from merchants.models import (
    AuditEntry,
    ColdChainRecord,
    Commitment,
    CountyChangeRequest,
    Declaration,
    DeclarationDocument,
    DeclarationEvent,
    FoodChainRecord,
    Invitation,
    Membership,
    Merchant,
    Notification,
    PenaltyRecord,
    Permit,
    QualityRecord,
    Region,
    RegistryRecord,
    RequiredDocument,
    Scheme,
    Station,
    User,
)
from merchants.services.accounts import require_may_be_member, require_role_allowed
from merchants.signals import merchant_facts_changed


class RoleCheckedUserForm(UserChangeForm):
    """Refuses a supervisor's role (or superuser) for an account that works for merchants."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        role = data.get("role", self.instance.role)
        superuser = data.get("is_superuser", self.instance.is_superuser)
        try:
            require_role_allowed(self.instance, role, is_superuser=superuser)
        except DomainError as exc:
            raise ValidationError({"role": exc.message}) from exc
        return data


class MembershipForm(forms.ModelForm):
    """A membership only for an account that may work for a merchant (no supervisors)."""

    class Meta:
        model = Membership
        fields = ("user", "merchant", "role")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        user = data.get("user")
        if user is not None:
            try:
                require_may_be_member(user)
            except DomainError as exc:
                raise ValidationError({"user": exc.message}) from exc
        return data


class StorePageAdmin(admin.ModelAdmin):
    """Admin saves and deletes of what the public store pages show are announced
    (merchant_facts_changed). `store_page_codes` returns None when every page may show it."""

    def store_page_codes(self, obj: Any) -> Iterable[str] | None:
        return None

    def _announce(self, obj: Any) -> None:
        codes = self.store_page_codes(obj)
        public_codes = None if codes is None else list(codes)
        merchant_facts_changed.send(sender=type(obj), public_codes=public_codes)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        self._announce(form.instance)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._announce(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        merchant_facts_changed.send(sender=queryset.model, public_codes=None)
        super().delete_queryset(request, queryset)


class ReadOnlyAdminMixin:
    """History rows: visible to staff, never added, changed or deleted by hand."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(StorePageAdmin):
    list_display = ("code", "name", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = RoleCheckedUserForm
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Platform role"),
            {
                "fields": (
                    "role",
                    "region",
                    "phone",
                    "can_review",
                    "can_handle_complaints",
                    "can_inspect",
                    "can_supervise",
                )
            },
        ),
        (_("Messages"), {"fields": ("language", "complaint_notices", "worklist_digest")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Platform role"), {"fields": ("email", "role", "region")}),
    )
    list_display = ("username", "email", "role", "region", "is_staff", "is_active")
    list_filter = (
        "role",
        "can_review",
        "can_handle_complaints",
        "can_inspect",
        "can_supervise",
        "is_staff",
        "is_superuser",
        "is_active",
    )
    search_fields = ("username", "email", "phone", "first_name", "last_name")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    show_full_result_count = False


class PermitInline(admin.TabularInline):
    model = Permit
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Merchant)
class MerchantAdmin(StorePageAdmin):
    list_display = ("name", "uscc", "region", "industry", "licence_valid_until", "created_at")
    list_filter = ("industry", "region")
    # A USCC prefix uses the unique index; names are searched anywhere.
    search_fields = ("^uscc", "name")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    readonly_fields = ("public_code", "created_at", "updated_at")
    inlines = (PermitInline, MembershipInline)
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A registered merchant moves only through an approved county change request, so that
        # every row carrying its region moves with it.
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "region") if obj is not None else readonly

    def store_page_codes(self, obj: Merchant) -> Iterable[str]:
        return [obj.public_code]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ("user", "merchant", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "merchant__name", "=merchant__uscc")
    list_select_related = ("user", "merchant")
    raw_id_fields = ("merchant",)
    autocomplete_fields = ("user",)
    show_full_result_count = False


@admin.register(Permit)
class PermitAdmin(StorePageAdmin):
    list_display = ("number", "permit_type", "merchant", "valid_until")
    list_filter = ("permit_type",)
    search_fields = ("number", "merchant__name", "=merchant__uscc")
    list_select_related = ("merchant",)
    raw_id_fields = ("merchant",)
    show_full_result_count = False

    def store_page_codes(self, obj: Permit) -> Iterable[str]:
        return [obj.merchant.public_code]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "merchant",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("role",)
    search_fields = ("email", "merchant__name", "=merchant__uscc")
    list_select_related = ("merchant", "invited_by")
    raw_id_fields = ("merchant",)
    autocomplete_fields = ("invited_by", "accepted_by")
    readonly_fields = ("token",)
    show_full_result_count = False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "merchant", "object_repr")
    search_fields = ("action", "object_repr", "actor__username", "=merchant__uscc")
    list_select_related = ("actor", "merchant")
    raw_id_fields = ("merchant", "actor")
    show_full_result_count = False


class CommitmentInline(admin.TabularInline):
    model = Commitment
    extra = 0


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(StorePageAdmin):
    list_display = ("code", "name", "name_en", "kind", "is_active", "order")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "name_en")
    inlines = (CommitmentInline, RequiredDocumentInline)


@admin.register(Commitment)
class CommitmentAdmin(StorePageAdmin):
    list_display = ("code", "name", "name_en", "scheme", "order")
    list_filter = ("scheme",)
    search_fields = ("code", "name", "name_en")
    list_select_related = ("scheme",)


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "scheme", "is_mandatory", "order")
    list_filter = ("scheme", "is_mandatory")
    search_fields = ("code", "name", "name_en")
    list_select_related = ("scheme",)


class DeclarationDocumentInline(admin.TabularInline):
    """Files are added through the service, which checks their content."""

    model = DeclarationDocument
    extra = 0
    fields = ("required_document", "file", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class DeclarationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DeclarationEvent
    extra = 0
    fields = ("created_at", "from_state", "to_state", "actor", "reason")
    readonly_fields = fields


@admin.register(Declaration)
class DeclarationAdmin(StorePageAdmin):
    list_display = (
        "id",
        "merchant",
        "scheme",
        "state",
        "flagged",
        "review_due",
        "reviewer",
        "submitted_at",
        "updated_at",
    )
    list_filter = ("state", "scheme", "flagged", "is_overdue", "screening_incomplete")
    search_fields = ("merchant__name", "=merchant__uscc")
    list_select_related = ("merchant", "scheme")
    raw_id_fields = ("merchant", "created_by", "member_merchants")
    filter_horizontal = ("accepted_commitments",)
    # State and review fields change only through the services, which write the event rows.
    readonly_fields = (
        "state",
        "created_at",
        "updated_at",
        "submitted_at",
        "decided_at",
        "reviewer",
        "claimed_at",
        "review_due",
        "is_overdue",
        "flagged",
        "screening_incomplete",
    )
    inlines = (DeclarationDocumentInline, DeclarationEventInline)
    show_full_result_count = False

    def store_page_codes(self, obj: Declaration) -> Iterable[str]:
        return [obj.merchant.public_code]


@admin.register(DeclarationDocument)
class DeclarationDocumentAdmin(admin.ModelAdmin):
    list_display = (
        "original_name",
        "declaration",
        "required_document",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    )
    list_filter = ("content_type",)
    search_fields = ("original_name", "declaration__merchant__name", "=declaration__merchant__uscc")
    list_select_related = (
        "declaration__merchant",
        "declaration__scheme",
        "required_document",
        "uploaded_by",
    )
    # What the file belongs to first (StoredFile's own fields come first on the model).
    fields = (
        "declaration",
        "required_document",
        "file",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    )
    raw_id_fields = ("declaration", "uploaded_by")
    readonly_fields = ("content_type", "size", "uploaded_at")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DeclarationEvent)
class DeclarationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "declaration", "from_state", "to_state", "actor")
    list_filter = ("to_state",)
    search_fields = ("declaration__merchant__name", "=declaration__merchant__uscc", "reason")
    list_select_related = ("declaration__merchant", "declaration__scheme", "actor")
    raw_id_fields = ("declaration", "actor")
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "user", "subject", "read_at", "emailed_at")
    list_filter = ("read_at", "emailed_at")
    search_fields = ("user__username", "=key")
    readonly_fields = ("subject", "body")
    list_select_related = ("user",)
    show_full_result_count = False


class ExternalRecordAdmin(admin.ModelAdmin):
    search_fields = ("=uscc", "=record_id")
    date_hierarchy = "as_of"
    show_full_result_count = False


@admin.register(RegistryRecord)
class RegistryRecordAdmin(StorePageAdmin, ExternalRecordAdmin):
    list_display = ("uscc", "entity_status", "licence_valid_until", "credit_level", "as_of")
    list_filter = ("entity_status", "on_abnormal_list", "on_dishonest_list", "credit_level")

    def store_page_codes(self, obj: RegistryRecord) -> Iterable[str]:
        return Merchant.objects.filter(uscc=obj.uscc).values_list("public_code", flat=True)


@admin.register(QualityRecord)
class QualityRecordAdmin(ExternalRecordAdmin):
    list_display = ("uscc", "product", "checked_on", "result", "as_of")
    list_filter = ("result",)


@admin.register(FoodChainRecord)
class FoodChainRecordAdmin(ExternalRecordAdmin):
    list_display = ("uscc", "permit_number", "permit_valid_until", "traceability_compliant")
    list_filter = ("traceability_compliant",)


@admin.register(ColdChainRecord)
class ColdChainRecordAdmin(ExternalRecordAdmin):
    list_display = ("uscc", "checked_on", "compliant", "as_of")
    list_filter = ("compliant",)


@admin.register(PenaltyRecord)
class PenaltyRecordAdmin(ExternalRecordAdmin):
    list_display = ("uscc", "decided_on", "severity", "description", "as_of")
    list_filter = ("severity",)


# API tokens: knox's own admin lists each token's digest and shows a new token in a message;
# here an admin sees only whose token it is and when it expires, and can only revoke (delete).
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created", "expiry")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    fields = ("user", "created", "expiry")
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CountyChangeRequest)
class CountyChangeRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Decided on the regulator's page (merchants.services.merchants.county_change_decide)."""

    list_display = ("merchant", "from_region", "to_region", "state", "requested_at", "decided_at")
    list_filter = ("state",)
    search_fields = ("merchant__name", "=merchant__uscc")
    list_select_related = ("merchant", "from_region", "to_region")
    show_full_result_count = False


@admin.register(Station)
class StationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Stations are created and changed on the regulators' pages (audited, phone checked, only
    the county's coordinators), where admins reach every county; here they are looked up."""

    list_display = ("name", "region", "phone", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "address", "region__name")
    list_select_related = ("region",)
    filter_horizontal = ("coordinators",)
