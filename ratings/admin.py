from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ratings.models import Evaluation, EvaluationPolicy, EvaluationRun, PoolChange, Standing
from ratings.services import policy_fields, policy_revise


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


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "score", "policy", "evaluated_at"]
    list_filter = ["policy"]
    search_fields = ["merchant__name", "merchant__uscc"]
    list_select_related = ["merchant", "policy"]
    raw_id_fields = ["merchant", "run"]


@admin.register(Standing)
class StandingAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "pool", "stars", "score", "since", "region"]
    list_filter = ["pool", "stars"]
    search_fields = ["merchant__name", "merchant__uscc"]
    list_select_related = ["merchant", "region"]
    raw_id_fields = ["merchant", "last_evaluation"]


@admin.register(PoolChange)
class PoolChangeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "merchant", "from_pool", "to_pool", "to_stars", "reason_code"]
    list_filter = ["to_pool", "reason_code"]
    search_fields = ["merchant__name", "merchant__uscc"]
    list_select_related = ["merchant"]
    raw_id_fields = ["merchant", "evaluation", "run"]
