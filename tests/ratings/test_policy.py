"""The evaluation policy is data: versioned, validated, never rewritten."""

import pytest
from django.core.exceptions import ValidationError

from merchants.models import AuditEntry
from ratings.models import EvaluationPolicy
from ratings.services.policy import policy_revise
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ADMIN_URL = "/admin/ratings/evaluationpolicy/"


def test_the_migration_seeds_version_1_with_the_design_defaults():
    policy = EvaluationPolicy.current()
    assert policy.version == 1
    assert (
        policy.weight_complaints,
        policy.weight_inspections,
        policy.weight_compliance,
        policy.weight_commitments,
        policy.bonus_max,
    ) == (30, 30, 25, 15, 15)
    assert policy.star_bands == [75, 80, 85, 90, 95]
    assert policy.warning_score_below == 60
    assert (policy.warning_accepted_complaints, policy.warning_complaint_days) == (3, 30)
    assert (policy.rectification_days, policy.reentry_days, policy.appeal_days) == (30, 365, 21)


@pytest.mark.parametrize(
    ("score", "stars"), [(74, 0), (75, 1), (80, 2), (84, 2), (85, 3), (90, 4), (95, 5), (100, 5)]
)
def test_star_bands(score, stars):
    assert EvaluationPolicy.current().stars_for(score) == stars


def test_revising_writes_a_new_version_and_leaves_the_old_one(admin_user):
    first = EvaluationPolicy.current()
    second = policy_revise(
        actor=admin_user,
        base=first,
        changes={"weight_complaints": 35, "weight_commitments": 10},
        note="More weight on complaints",
    )
    first.refresh_from_db()
    assert (second.version, second.weight_complaints, second.weight_commitments) == (2, 35, 10)
    assert (first.version, first.weight_complaints, first.weight_commitments) == (1, 30, 15)
    assert EvaluationPolicy.current() == second
    entry = AuditEntry.objects.get(action="policy_revise")
    assert entry.data["changed"] == ["weight_commitments", "weight_complaints"]
    assert entry.actor == admin_user


def test_weights_must_add_up_to_100(admin_user):
    with pytest.raises(ValidationError, match="add up to 100"):
        policy_revise(
            actor=admin_user, base=EvaluationPolicy.current(), changes={"weight_complaints": 40}
        )
    assert EvaluationPolicy.objects.count() == 1


@pytest.mark.parametrize("bands", [[75, 80, 85, 90], [80, 75, 85, 90, 95], [75, 80, 85, 90, 101]])
def test_star_bands_must_be_five_ascending_scores(admin_user, bands):
    with pytest.raises(ValidationError, match="five scores"):
        policy_revise(
            actor=admin_user, base=EvaluationPolicy.current(), changes={"star_bands": bands}
        )


def test_saving_in_admin_creates_a_version_instead_of_editing(admin_user):
    first = EvaluationPolicy.current()
    client = client_for(admin_user)
    form = client.get(f"{ADMIN_URL}{first.pk}/change/")
    assert form.status_code == 200
    data = {
        name: (str(value).replace("'", '"') if isinstance(value, list | dict) else value)
        for name, value in form.context["adminform"].form.initial.items()
    }
    data.update({"warning_score_below": 65, "note": "Stricter warning line"})
    response = client.post(f"{ADMIN_URL}{first.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    first.refresh_from_db()
    assert first.warning_score_below == 60
    second = EvaluationPolicy.current()
    assert (second.version, second.warning_score_below, second.note) == (
        2,
        65,
        "Stricter warning line",
    )
    assert second.created_by == admin_user


def test_admin_refuses_weights_that_do_not_add_up(admin_user):
    first = EvaluationPolicy.current()
    client = client_for(admin_user)
    form = client.get(f"{ADMIN_URL}{first.pk}/change/")
    data = {
        name: (str(value).replace("'", '"') if isinstance(value, list | dict) else value)
        for name, value in form.context["adminform"].form.initial.items()
    }
    data["weight_inspections"] = 50
    response = client.post(f"{ADMIN_URL}{first.pk}/change/", data)
    assert response.status_code == 200
    assert "add up to 100" in response.content.decode()
    assert EvaluationPolicy.objects.count() == 1


def test_policies_cannot_be_deleted(admin_user):
    first = EvaluationPolicy.current()
    response = client_for(admin_user).get(f"{ADMIN_URL}{first.pk}/delete/")
    assert response.status_code == 403


def test_outsiders_do_not_reach_the_policy_admin(county_regulator):
    response = client_for(county_regulator).get(ADMIN_URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
