"""Django admin: every registered model opens, searches work, event histories stay read-only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from merchants.models import Declaration, DeclarationEvent, Membership, Station
from merchants.services.declarations import (
    declaration_attach_document,
    declaration_create,
    declaration_withdraw,
)
from merchants.services.merchants import invitation_create
from tests.conftest import client_for
from tests.factories import (
    ColdChainRecordFactory,
    FoodChainRecordFactory,
    NotificationFactory,
    PenaltyRecordFactory,
    PermitFactory,
    QualityRecordFactory,
    RegistryRecordFactory,
    pdf_upload,
    region,
    scheme,
)


@pytest.fixture
def one_of_everything(owner, merchant, other_merchant, django_capture_on_commit_callbacks):
    """At least one row of every merchants model, made through the services where they exist."""
    PermitFactory(merchant=merchant)
    from merchants.services.merchants import county_change_request

    county_change_request(
        actor=owner, merchant=merchant, to_region=region("330108"), reason="Moved."
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(actor=owner, merchant=merchant, email="staff@example.com")
    declaration = declaration_create(actor=owner, merchant=merchant, scheme=scheme("assured-unit"))
    declaration_attach_document(
        actor=owner,
        declaration=declaration,
        required_document=declaration.scheme.required_documents.first(),
        upload=pdf_upload(),
    )
    declaration_withdraw(actor=owner, declaration=declaration, reason="test")
    NotificationFactory(user=owner, declaration=declaration)
    for record_factory in (
        RegistryRecordFactory,
        QualityRecordFactory,
        FoodChainRecordFactory,
        ColdChainRecordFactory,
        PenaltyRecordFactory,
    ):
        record_factory(uscc=merchant.uscc)
    Station.objects.create(
        region=region("330106"), name="双流村", address="双流村", phone="057187391234"
    )
    return declaration


def _admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_merchants_model_is_registered():
    registered = set(admin.site._registry)
    assert set(apps.get_app_config("merchants").get_models()) <= registered


def test_every_registered_model_opens(admin_user, one_of_everything):
    client = client_for(admin_user)
    for model, model_admin in admin.site._registry.items():
        response = client.get(_admin_url(model, "changelist"))
        assert response.status_code == 200, model
        obj = model._default_manager.first()
        if model._meta.app_label == "merchants":
            assert obj is not None, f"no {model.__name__} row to open"
        if obj is not None:
            response = client.get(_admin_url(model, "change", obj.pk))
            assert response.status_code == 200, model
        request = RequestFactory().get("/")
        request.user = admin_user
        if model_admin.has_add_permission(request):
            assert client.get(_admin_url(model, "add")).status_code == 200, model


def test_merchant_search_by_uscc(admin_user, merchant, other_merchant):
    response = client_for(admin_user).get(
        _admin_url(merchant.__class__, "changelist"), {"q": merchant.uscc}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert merchant.name in html
    assert other_merchant.name not in html


def test_user_change_page_shows_role_region_and_capabilities(admin_user, county_regulator):
    response = client_for(admin_user).get(
        _admin_url(county_regulator.__class__, "change", county_regulator.pk)
    )
    html = response.content.decode()
    for field in (
        "role",
        "region",
        "can_review",
        "can_handle_complaints",
        "can_inspect",
        "can_supervise",
    ):
        assert f'name="{field}"' in html


def test_declaration_events_are_read_only(admin_user, one_of_everything):
    request = RequestFactory().get("/")
    request.user = admin_user
    event_admin = admin.site._registry[DeclarationEvent]
    assert not event_admin.has_add_permission(request)
    assert not event_admin.has_change_permission(request)
    assert not event_admin.has_delete_permission(request)

    client = client_for(admin_user)
    event = DeclarationEvent.objects.first()
    assert client.get(_admin_url(DeclarationEvent, "add")).status_code == 403
    response = client.post(
        _admin_url(DeclarationEvent, "change", event.pk), {"to_state": "approved"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.to_state != "approved"


def test_declaration_state_is_not_editable_in_admin(admin_user, one_of_everything):
    declaration_admin = admin.site._registry[Declaration]
    request = RequestFactory().get("/")
    request.user = admin_user
    assert "state" in declaration_admin.get_readonly_fields(request, one_of_everything)
    inline = next(
        i
        for i in declaration_admin.get_inline_instances(request, one_of_everything)
        if i.model is DeclarationEvent
    )
    assert not inline.has_add_permission(request, one_of_everything)
    assert not inline.has_change_permission(request, one_of_everything)
    assert not inline.has_delete_permission(request, one_of_everything)


def test_big_lists_skip_the_full_count_and_use_raw_ids():
    from merchants.models import Merchant, Permit

    assert admin.site._registry[Merchant].show_full_result_count is False
    assert "merchant" in admin.site._registry[Permit].raw_id_fields
    assert "merchant" in admin.site._registry[Membership].raw_id_fields
