"""Admin registration only. The policy is edited here (each save a new version); everything else
is written by the evaluation, the pool services and the pages (rectifications and appeals are
decided in the app, where the rules are checked), so the admin shows it read-only with a link to
the merchant's page in the app."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ratings.models import (
    Appeal,
    Evaluation,
    EvaluationPolicy,
    EvaluationRun,
    Nomination,
    PoolChange,
    RatingFile,
    Standing,
    WarningRectification,
)
from ratings.services.policy import policy_fields, policy_revise


@admin.register(EvaluationPolicy)
class EvaluationPolicyAdmin(admin.ModelAdmin):
    """Saving never edits a version: it writes the form's values as a new one."""

    list_display = ["version", "created_at", "created_by", "note"]
    readonly_fields = ["version", "created_at", "created_by"]
    search_fields = ["note"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: EvaluationPolicy, form: Any, change: bool
    ) -> None:
        base = EvaluationPolicy.objects.get(pk=obj.pk) if change else EvaluationPolicy.current()
        new = policy_revise(
            actor=request.user,
            base=base,
            changes={name: getattr(obj, name) for name in policy_fields()},
            note=obj.note,
        )
        # The admin logs and redirects to the object it saved: make that the new version.
        obj.pk = new.pk
        obj.refresh_from_db()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the evaluation and the pool services only."""

    show_full_result_count = False  # a province's rows: no second COUNT(*)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "kind",
        "state",
        "policy",
        "finished_at",
        "merchants_evaluated",
        "pool_changes",
    ]
    list_filter = ["kind", "state"]
    readonly_fields = ["note_text"]

    @admin.display(description=_("note"))
    def note_text(self, obj: EvaluationRun) -> str:
        return obj.note_text


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "score", "policy", "evaluated_at"]
    list_filter = ["policy"]
    search_fields = ["merchant__name", "merchant__uscc"]
    list_select_related = ["merchant", "policy"]
    raw_id_fields = ["merchant", "run"]


def _pool_page(merchant_id: int) -> str:
    return format_html(
        '<a href="{}">{}</a>',
        reverse("pool-merchant", args=[merchant_id]),
        _("Open in the app"),
    )


@admin.register(Standing)
class StandingAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "pool", "stars", "score", "since", "region", "in_the_app"]
    list_filter = ["pool", "stars"]
    search_fields = ["merchant__name", "merchant__uscc"]
    list_select_related = ["merchant", "region"]
    raw_id_fields = ["merchant", "last_evaluation"]
    readonly_fields = ["in_the_app"]

    @admin.display(description=_("in the app"))
    def in_the_app(self, obj: Standing) -> str:
        return _pool_page(obj.merchant_id)


@admin.register(PoolChange)
class PoolChangeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "merchant", "from_pool", "to_pool", "to_stars", "reason_code"]
    list_filter = ["to_pool", "reason_code"]
    search_fields = ["merchant__name", "merchant__uscc"]
    list_select_related = ["merchant"]
    raw_id_fields = ["merchant", "evaluation", "run"]
    readonly_fields = ["reason"]

    @admin.display(description=_("reason"))
    def reason(self, obj: PoolChange) -> str:
        return obj.reason


class RatingFileInline(admin.TabularInline):
    """The files of a rectification report or an appeal, opened through the app's scoped view."""

    model = RatingFile
    fields = ["download", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("file"))
    def download(self, obj: RatingFile) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("rating-file", args=[obj.pk]), obj.original_name
        )


class DecidedInTheApp(ReadOnlyAdmin):
    """Decided by a regulator on the merchant's pool page, never here."""

    list_select_related = ["merchant", "decided_by"]
    search_fields = ["merchant__name", "merchant__uscc"]
    inlines = [RatingFileInline]

    @admin.display(description=_("decide in the app"))
    def in_the_app(self, obj: Any) -> str:
        return _pool_page(obj.merchant_id)


@admin.register(WarningRectification)
class WarningRectificationAdmin(DecidedInTheApp):
    list_display = [
        "submitted_at",
        "merchant",
        "decision",
        "decided_by",
        "decided_at",
        "in_the_app",
    ]
    list_filter = ["decision"]
    readonly_fields = ["in_the_app"]
    date_hierarchy = "submitted_at"


@admin.register(Appeal)
class AppealAdmin(DecidedInTheApp):
    list_display = [
        "submitted_at",
        "merchant",
        "decision",
        "state",
        "decide_by",
        "is_overdue",
        "decided_by",
        "in_the_app",
    ]
    list_filter = ["state", "is_overdue"]
    list_select_related = ["merchant", "decision", "decided_by"]
    readonly_fields = ["in_the_app"]
    date_hierarchy = "submitted_at"


@admin.register(Nomination)
class NominationAdmin(ReadOnlyAdmin):
    """Nominations are made on the regulator's page, which moves the merchant and invites it."""

    list_display = [
        "created_at",
        "uscc",
        "name",
        "region",
        "nominated_by",
        "merchant",
        "entered_at",
    ]
    list_filter = [("entered_at", admin.EmptyFieldListFilter)]
    list_select_related = ["region", "nominated_by", "merchant"]
    search_fields = ["uscc", "name"]
    date_hierarchy = "created_at"
