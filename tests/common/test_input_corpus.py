"""Issue 14, acceptance: a bad-input corpus driven through every form and every writable API
field, found by introspection rather than listed by hand.

- Forms: every `forms.Form` subclass in the apps' `forms` modules, bound field by field with the
  values of its type. Each value is refused on that field, or cleaned to something harmless.
- Serializers: the request serializer of every POST, PUT and PATCH operation the API's schema
  generator finds in the URL resolver, with its nested serializers, field by field the same way.
- Front door: every such operation called with a body of the worst values, as an owner, a
  supervising regulator and anonymously: never a server error.
- What was accepted is text (stored as typed, escaped on output, formulas neutralised in CSV)
  and the monthly evaluation still runs over it.
"""

import datetime
import importlib
import inspect
import json
import pkgutil
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.db import models
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from common.csv import writer
from merchants.models import Declaration, Merchant, Pool, Region, Station, User
from merchants.services.declarations import declaration_create
from ratings.services.warnings import warning_rectification_submit
from review.models import ChecklistTemplate
from tests.conftest import api
from tests.factories import (
    AppealFactory,
    CampaignFactory,
    ComplaintFactory,
    InspectionFactory,
    StandingFactory,
    UserFactory,
    approved_merchants,
    checklist,
    scheme,
)

pytestmark = pytest.mark.django_db

APPS = ("merchants", "review", "complaints", "ratings", "storefront")


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": [value]}
    return value


TEXT = {
    "nul": "a\x00b",
    "100k": "x" * 100_000,
    "emoji-rtl": "🙂\u202eevil\u200f",
    "formula": '=HYPERLINK("http://evil.example","x")',
}
NUMBERS = {"huge": 10**30, "negative": -1, "superscript": "²", "arabic-indic": "\u0661\u0662"}
DATES = {"far-future": "9999-12-31", "year-one": "0001-01-01"}
JSON = {
    "nested": {"a": {"b": [1, {"c": "d"}]}},
    "deep": _deep(200),
    "large": {f"k{i}": "x" * 100 for i in range(2000)},
}
# The bounds a value that gets through must respect.
MAX_TEXT = 10_000
MAX_NUMBER = 10**8
EARLIEST, LATEST = datetime.date(1949, 10, 1), datetime.date(2100, 12, 31)
# Never stored, only hashed or compared: a password of any length is harmless.
SECRETS = ("password", "password1", "password2")


def harmless(value: Any) -> bool:
    """What a field may let through: bounded text without NUL, bounded numbers and dates,
    bounded JSON, objects the database already holds."""
    if isinstance(value, str):
        return "\x00" not in value and len(value) <= MAX_TEXT
    if isinstance(value, bool) or value is None or isinstance(value, models.Model):
        return True
    if isinstance(value, int | float | Decimal):
        return 0 <= value <= MAX_NUMBER
    if isinstance(value, datetime.date):
        value = value.date() if isinstance(value, datetime.datetime) else value
        return EARLIEST <= value <= LATEST
    if isinstance(value, dict | list | tuple):
        # Depth and size of a whole body are the parser's (common/parsers.py): the front door.
        items = value.values() if isinstance(value, dict) else value
        return all(harmless(item) for item in items)
    if isinstance(value, models.QuerySet):
        return True
    return True


# --- what the corpus drives into a field, by the field's type ---------------------------------


def form_values(field: forms.Field) -> dict[str, Any]:
    if isinstance(field, forms.FileField | forms.BooleanField):
        return {}  # files: test_uploads_through_the_front_door; a boolean cannot be absurd
    if isinstance(field, forms.DateField | forms.DateTimeField):
        return DATES
    if isinstance(field, forms.JSONField):
        return {k: json.dumps(v) for k, v in JSON.items()}
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return {k: str(v) for k, v in NUMBERS.items()}
    if isinstance(field, forms.ModelChoiceField | forms.TypedChoiceField):
        return {**{k: str(v) for k, v in NUMBERS.items()}, "nul": TEXT["nul"]}
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return {k: [v] for k, v in {**TEXT, "huge": str(10**30)}.items()}
    return TEXT


def serializer_values(field: serializers.Field) -> dict[str, Any]:
    if isinstance(field, serializers.FileField | serializers.BooleanField):
        return {}
    if isinstance(field, serializers.ListField):
        return {k: [v] for k, v in serializer_values(field.child).items()}
    if isinstance(field, serializers.DateField | serializers.DateTimeField):
        return DATES
    if isinstance(field, serializers.JSONField | serializers.DictField):
        return {k: v for k, v in JSON.items() if k != "deep"}  # deep: the parser's, front door
    if isinstance(
        field, serializers.IntegerField | serializers.DecimalField | serializers.FloatField
    ):
        return NUMBERS
    if isinstance(field, serializers.ManyRelatedField):
        return {k: [v] for k, v in NUMBERS.items()}
    if isinstance(field, serializers.RelatedField):
        return {**NUMBERS, "nul": TEXT["nul"]}
    return TEXT


# --- finding the forms and the serializers ----------------------------------------------------


def _modules(package: str) -> Iterator[Any]:
    try:
        module = importlib.import_module(package)
    except ModuleNotFoundError:
        return
    yield module
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), f"{package}."):
        yield importlib.import_module(info.name)


def form_classes() -> list[type[forms.BaseForm]]:
    found = {
        obj
        for app in APPS
        for module in _modules(f"{app}.forms")
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, forms.BaseForm)
        and obj.__module__ == module.__name__
    }
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


def write_operations() -> list[tuple[str, str, type[serializers.Serializer] | None]]:
    """(path, method, request serializer) of every operation with a request body, as the schema
    generator finds them in the URL resolver."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import spectacular_settings

    generator = SchemaGenerator()
    generator._initialise_endpoints()
    operations = []
    for path, path_regex, method, view in generator._get_paths_and_endpoints():
        if method not in ("POST", "PUT", "PATCH"):
            continue
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        schema = view.schema
        schema.path, schema.path_regex, schema.method = path, path_regex, method
        schema.registry = generator.registry
        operations.append((path, method, _serializer_class(schema.get_request_serializer())))
    return operations


def _serializer_class(serializer: Any) -> type[serializers.Serializer] | None:
    if isinstance(serializer, dict):  # by content type: JSON and multipart share one
        serializer = next((s for s in map(_serializer_class, serializer.values()) if s), None)
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child
    if isinstance(serializer, serializers.BaseSerializer):
        return type(serializer)
    if inspect.isclass(serializer) and issubclass(serializer, serializers.BaseSerializer):
        return serializer
    return None


def serializer_classes() -> list[type[serializers.Serializer]]:
    found: set[type] = set()

    def add(cls: type) -> None:
        if cls in found:
            return
        found.add(cls)
        for field in cls().fields.values():
            nested = getattr(field, "child", field)
            if isinstance(nested, serializers.Serializer) and not field.read_only:
                add(type(nested))

    for _path, _method, cls in OPERATIONS:
        if cls is not None:
            add(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


FORMS = form_classes()
OPERATIONS = write_operations()
SERIALIZERS = serializer_classes()


def _writable(cls: type[serializers.Serializer]) -> list[str]:
    return [name for name, f in cls().fields.items() if not f.read_only and f.source != "*"]


# --- the world the forms and serializers are built for ----------------------------------------


@pytest.fixture
def world(owner, merchant, county_regulator) -> dict[str, Any]:
    county_regulator.can_supervise = True
    county_regulator.save(update_fields=["can_supervise"])
    declaration = declaration_create(
        actor=owner, merchant=merchant, scheme=scheme("no-reason-return")
    )
    counties = list(Region.objects.filter(level=Region.Level.COUNTY)[:5])
    campaign = CampaignFactory(created_by=county_regulator, sample_size=3)
    StandingFactory(
        merchant=merchant, pool=Pool.WARNING, rectification_due=datetime.date(2100, 1, 1)
    )
    appeal = AppealFactory(merchant=merchant, submitted_by=owner)
    return {
        "user": owner,
        "merchant": merchant,
        "declaration": declaration,
        "counties": counties,
        "regions": Region.objects.all(),
        "exclude_recent_days": 0,
        "checklist": checklist().snapshot(),
        "owner": owner,
        "supervisor": county_regulator,
        "complaint": ComplaintFactory(merchant=merchant, region=merchant.region),
        "campaign": campaign,
        "inspection": InspectionFactory(
            campaign=campaign, merchant=merchant, inspector=county_regulator
        ),
        "appeal": appeal,
        "change": appeal.decision,
        "rectification": warning_rectification_submit(
            actor=owner, merchant=merchant, report="Fixed."
        ),
        "county_change": _county_change_into(county_regulator),
        "preview_row": _preview_row(merchant),
        # Liaison stations and coordinators' visits (the coordinator posts the visit form)
        "coordinator": UserFactory(role=User.Role.COORDINATOR, region=merchant.region),
        "coordinators": User.objects.filter(role=User.Role.COORDINATOR),
        "stations": Station.objects.all(),
        "merchants": Merchant.objects.all(),
    }


def _county_change_into(regulator: Any) -> Any:
    from merchants.services.merchants import county_change_request
    from tests.factories import MembershipFactory, MerchantFactory, UserFactory, region

    mover, owner = MerchantFactory(region=region("330108")), UserFactory(role="merchant")
    MembershipFactory(user=owner, merchant=mover, role="owner")
    return county_change_request(
        actor=owner, merchant=mover, to_region=regulator.region, reason="We moved."
    )


def _preview_row(merchant: Merchant) -> Any:
    from complaints.models import ComplaintState as C
    from complaints.models import DisclosureDate, DisclosureSettings
    from complaints.services import disclosure
    from tests.complaints.test_disclosure import _complaint

    DisclosureSettings.objects.filter(pk=1).update(merchant_threshold=1)
    _complaint(merchant.region_id, "quality", C.WITH_MERCHANT, merchant=merchant)
    day = DisclosureDate.objects.get(date=datetime.date(2026, 3, 15))
    preview = disclosure.disclosure_open_preview(
        snapshot=disclosure.disclosure_build(disclosure_date=day)
    )
    row = preview.merchant_rows.get(merchant=merchant)
    # Flagged, so the regulators' decision form on it is posted too.
    preview.merchant_rows.filter(pk=row.pk).update(merchant_flag=True, flag_comment="有误")
    return row


def _build_form(cls: type[forms.BaseForm], world: dict[str, Any], **bound: Any) -> Any:
    params = inspect.signature(cls.__init__).parameters
    kwargs = {
        name: world[name]
        for name, p in params.items()
        if p.kind == p.KEYWORD_ONLY and name in world
    }
    return cls(**bound, **kwargs)


def _form_fields(cls: type[forms.BaseForm], world: dict[str, Any]) -> dict[str, forms.Field]:
    return _build_form(cls, world).fields


# --- the unit-level corpus: every form field, every serializer field ---------------------------


def test_the_corpus_finds_the_forms_and_serializers():
    names = {c.__name__ for c in FORMS}
    assert {"MerchantProfileForm", "ComplaintForm", "CampaignForm", "DeclarationForm"} <= names
    names = {c.__name__ for c in SERIALIZERS}
    assert {
        "IntakeSerializer",
        "StandingAppealInputSerializer",
        "MerchantUpdateSerializer",
        "PermitSerializer",
        "DeclarationUpdateSerializer",
        "CampaignCreateSerializer",
    } <= names


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__name__)
def test_every_form_field_refuses_or_keeps_harmless_each_bad_value(form_class, world):
    cases, problems = 0, []
    for name, field in _form_fields(form_class, world).items():
        if field.disabled:
            continue
        for label, value in form_values(field).items():
            cases += 1
            form = _build_form(form_class, world, data={name: value})
            form.is_valid()  # never raises
            if name in form.errors or name in SECRETS:
                continue
            if not harmless(form.cleaned_data.get(name)):
                problems.append((name, label))
    assert problems == []
    assert cases or not any(
        form_values(f) for f in _form_fields(form_class, world).values() if not f.disabled
    )


# Serializers whose validate() reads fields together: the others given as a client would.
BASE = {"TokenRequestSerializer": {"username": "alice", "password": "wrong"}}


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda c: c.__name__)
def test_every_writable_serializer_field_refuses_or_keeps_harmless_each_bad_value(
    serializer_class, world
):
    request = Request(APIRequestFactory().post("/"))
    request.user = world["owner"]
    context = {**world, "request": request}
    problems = []
    fields = serializer_class().fields
    for name in _writable(serializer_class):
        field = fields[name]
        for label, value in serializer_values(field).items():
            serializer = serializer_class(
                data={**BASE.get(serializer_class.__name__, {}), name: value},
                partial=True,
                context=context,
            )
            serializer.is_valid()  # never raises
            if name in serializer.errors or name in SECRETS:
                continue
            if not harmless(serializer.validated_data.get(field.source)):
                problems.append((name, label))
    assert problems == []


# --- the front door: every write operation, three identities ----------------------------------


def _worst(field: serializers.Field) -> Any:
    values = serializer_values(field)
    for key in ("huge", "far-future", "deep", "100k"):
        if key in values:
            return values[key]
    return next(iter(values.values()), None)


def _path(path: str, world: dict[str, Any]) -> str:
    """The operation's URL with the world's objects in it: the first route part that names one."""
    ids = [
        ("/track/", world["complaint"].tracking_token),
        ("/merchant-inspections/", world["inspection"].pk),
        ("/inspections/", world["inspection"].pk),
        ("/campaigns/", world["campaign"].pk),
        ("/appeals/", world["appeal"].pk),
        ("/declarations/", world["declaration"].pk),
        ("/complaints/", world["complaint"].pk),
        ("/merchants/", world["merchant"].pk),
    ]
    value = next((v for part, v in ids if part in path), 1)
    return re.sub(r"\{\w+\}", str(value), path)


def test_every_write_operation_through_the_front_door_never_gives_a_server_error(world, settings):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 10**6, "day": 10**6}
    settings.COMPLAINT_ADDRESS_LIMITS = {"hour": 10**6, "day": 10**6}
    clients = {
        "owner": api(world["owner"]),
        "supervisor": api(world["supervisor"]),
        "anonymous": api(None),
    }
    errors, calls = [], 0
    for path, method, cls in OPERATIONS:
        body = (
            {name: _worst(cls().fields[name]) for name in _writable(cls)} if cls is not None else {}
        )
        body = {k: v for k, v in body.items() if v is not None}
        url = _path(path, world)
        for who, client in clients.items():
            calls += 1
            send = getattr(client, method.lower())
            response = send(url, body, format="json")
            if response.status_code == 415:  # a form upload: the same values as form fields
                flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
                response = send(url, flat, format="multipart")
            if response.status_code >= 500:
                errors.append((who, method, url, response.status_code))
    assert errors == []
    assert calls >= 3 * 40


# --- what was accepted: escaped on output, neutralised in CSV, scored -------------------------


def test_accepted_text_is_stored_as_typed_escaped_on_the_page_and_neutral_in_csv(world):
    owner, merchant = world["owner"], world["merchant"]
    hostile = '<script>alert(1)</script>=HYPERLINK("http://evil.example")🙂\u202e'
    response = api(owner).patch(
        f"/api/v1/merchants/{merchant.pk}/", {"name": hostile}, format="json"
    )
    assert response.status_code == 200, response.content
    merchant.refresh_from_db()
    assert merchant.name == hostile
    from tests.conftest import client_for

    page = client_for(owner).get(f"/merchants/{merchant.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    import io

    out = io.StringIO()
    csv = writer(out)
    csv.writerow(["=HYPERLINK(1)", "@SUM(1)", "+1", "-1", "\t=x", merchant.name])
    cells = out.getvalue().strip().split(",")
    assert all(not c.lstrip('"').startswith(("=", "@", "+", "-", "\t")) for c in cells)


def test_the_monthly_evaluation_still_runs_after_the_corpus(world, settings):
    """Everything the corpus got accepted, stored on merchants in the programme: the run
    finishes and scores them."""
    from ratings.models import Evaluation, EvaluationRun
    from ratings.services import runs
    from ratings.services.pools import standing_move

    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 10**6, "day": 10**6}
    settings.COMPLAINT_ADDRESS_LIMITS = {"hour": 10**6, "day": 10**6}
    owner, merchant = world["owner"], world["merchant"]
    accepted = 0
    for value in (*TEXT.values(), *NUMBERS.values(), *DATES.values(), *JSON.values()):
        for field in ("name", "address", "contact_phone", "licence_valid_until"):
            response = api(owner).patch(
                f"/api/v1/merchants/{merchant.pk}/", {field: value}, format="json"
            )
            accepted += response.status_code == 200
        for details in (
            {"return_days": value, "goods_covered": "服装"},
            {"return_days": 15, "goods_covered": value, "goods_excluded": value},
        ):
            response = api(owner).patch(
                f"/api/v1/declarations/{world['declaration'].pk}/",
                {"details": details},
                format="json",
            )
            accepted += response.status_code == 200
        response = api(None).post(
            "/api/v1/complaints/intake/",
            {
                "merchant": merchant.public_code,
                "category": "quality",
                "description": value if isinstance(value, str) else "x",
                "wanted_outcome": "退货",
                "amount": value,
                "purchase_date": value,
                "complainant_name": value if isinstance(value, str) else "刘",
                "complainant_phone": "13812341234",
            },
            format="json",
        )
        accepted += response.status_code == 201
    # The emoji, right-to-left and formula texts get through (stored as typed), the rest not.
    assert accepted >= 2 * 4 + 2 + 2
    others = approved_merchants(2)
    Declaration.objects.filter(merchant=merchant).update(
        state=Declaration.State.APPROVED, decided_at=datetime.datetime.now(datetime.UTC)
    )
    for other in others:
        standing_move(merchant=other, to=Pool.SELECTION, reason_code="t", reason="t")

    run = runs.evaluation_run(kind=EvaluationRun.Kind.MONTHLY)

    assert run.state == EvaluationRun.State.FINISHED
    assert Evaluation.objects.filter(merchant=merchant).exists()
    assert Merchant.objects.filter(pk=merchant.pk).exists()
    assert ChecklistTemplate.objects.exists()


# --- the front door of the pages: every route, every form bound ---------------------------------


def _routes() -> list[str]:
    from django.urls import URLResolver, get_resolver

    def walk(patterns: Any, prefix: str) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    skip = ("admin/", "api/", "i18n/", "healthz/", "readyz/", "accounts/logout/")
    return sorted({r for r in walk(get_resolver().url_patterns, "") if not r.startswith(skip)})


def _page_url(route: str, world: dict[str, Any]) -> str:
    """The route with the world's objects in it, each parameter by its name or the part before."""
    by_name = {
        "merchant_pk": world["merchant"].pk,
        "change_pk": world["change"].pk,
        "request_pk": world["county_change"].pk,
        "public_code": world["merchant"].public_code,
    }
    by_part = {
        "t": world["complaint"].tracking_token,
        "merchant": world["complaint"].pk,
        "queue": world["complaint"].pk,
        "declarations": world["declaration"].pk,
        "merchants": world["merchant"].pk,
        "campaigns": world["campaign"].pk,
        "inspections": world["inspection"].pk,
        "merchant-inspections": world["inspection"].pk,
        "appeals": world["appeal"].pk,
        "rectifications": world["rectification"].pk,
        "preview": world["preview_row"].pk,
        "flags": world["preview_row"].pk,
        "disclosures": world["preview_row"].snapshot_id,
    }

    def fill(match: re.Match) -> str:
        part, name = match.group(1), match.group(2)
        return str(by_name.get(name, by_part.get(part, 1)))

    return "/" + re.sub(r"([\w-]+)/<(?:\w+:)?(\w+)>", lambda m: f"{m.group(1)}/{fill(m)}", route)


def _form_body(kind: str, world: dict[str, Any]) -> dict[str, Any]:
    """One value per field name of every form: the worst ("worst") or the oddest ("odd")."""
    pick = {
        "worst": ("huge", "far-future", "large", "100k"),
        "odd": ("superscript", "year-one", "nested", "nul"),
    }[kind]
    body: dict[str, Any] = {"permits-TOTAL_FORMS": "1", "permits-INITIAL_FORMS": "0"}
    for cls in FORMS:
        for name, field in _form_fields(cls, world).items():
            if isinstance(field, forms.FileField):
                body.setdefault(name, _renamed_executable())
                continue
            values = form_values(field)
            value = next((values[k] for k in pick if k in values), None)
            if value == TEXT["100k"]:
                # Every text field at once, 20,000 characters each, keeps the ~750 page calls
                # quick; 100k characters in every field: the unit-level test above.
                value = value[:20_000]
            if value is not None:
                body.setdefault(name, value)
                if cls.__name__ == "PermitForm":  # in a formset: merchant pages' permits
                    body[f"permits-0-{name}"] = value
    return body


def _renamed_executable() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, "image/jpeg")


# Forms no page binds with posted data: none today; a new one needs a reason here.
NOT_POSTED: dict[str, str] = {}


def test_every_page_takes_the_corpus_without_a_server_error(world, monkeypatch, settings):
    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 10**6, "day": 10**6}
    settings.COMPLAINT_ADDRESS_LIMITS = {"hour": 10**6, "day": 10**6}
    from tests.conftest import client_for

    bound: set[type] = set()
    original = forms.BaseForm.__init__

    def recording(self: forms.BaseForm, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if self.is_bound:
            bound.add(type(self))

    monkeypatch.setattr(forms.BaseForm, "__init__", recording)
    clients = {
        "owner": client_for(world["owner"]),
        "supervisor": client_for(world["supervisor"]),
        "coordinator": client_for(world["coordinator"]),
        "anonymous": client_for(None),
    }
    errors, calls = [], 0
    for kind in ("worst", "odd"):
        body = _form_body(kind, world)
        # "tab" picks the page (an unknown one is a 404 before any form): filters are the rest.
        query = {k: v for k, v in body.items() if isinstance(v, str | list) and k != "tab"}
        urls = [_page_url(route, world) for route in _routes()]
        code = world["merchant"].public_code
        urls += [f"/complaints/new/?merchant={code}", "/complaints/new/?other=1"]
        # Filing for a caller (the coordinator's form, with the stations they serve).
        urls += [f"/complaints/file/?merchant={code}", "/complaints/file/?other=1"]
        for url in urls:
            for who, client in clients.items():
                calls += 2 if kind == "odd" else 1
                for method, data in (("post", body), ("get", query))[: 2 if kind == "odd" else 1]:
                    for upload in (v for v in body.values() if hasattr(v, "seek")):
                        upload.seek(0)
                    response = getattr(client, method)(url, data)
                    if response.status_code >= 500:
                        errors.append((kind, who, method, url, response.status_code))
    assert errors == []
    missing = sorted(f"{c.__module__}.{c.__name__}" for c in FORMS if c not in bound)
    assert missing == sorted(NOT_POSTED)
    assert calls > 500


# --- files: renamed, oversized, photos with a position -----------------------------------------


def _files(settings: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import gps_jpeg_bytes

    return {
        "renamed": _renamed_executable(),
        "oversized": SimpleUploadedFile(
            "big.jpg", gps_jpeg_bytes() + b"\x00" * settings.UPLOAD_MAX_BYTES, "image/jpeg"
        ),
        "gps": SimpleUploadedFile("receipt.jpg", gps_jpeg_bytes(), "image/jpeg"),
    }


def test_uploads_through_the_front_door(world, settings):
    """On the complaint page and the declaration documents API: a renamed executable and an
    oversized file get a clear error, a photo is stored without its EXIF (GPS position)."""
    from complaints.models import Complaint
    from tests.complaints.test_public import _form
    from tests.conftest import client_for
    from tests.factories import assert_no_metadata

    settings.UPLOAD_MAX_BYTES = 50_000
    merchant, declaration = world["merchant"], world["declaration"]
    page = f"/complaints/new/?merchant={merchant.public_code}"
    document = declaration.scheme.required_documents.first()
    stored = {}
    for label, upload in _files(settings).items():
        before = Complaint.objects.count()
        response = client_for(None).post(page, _form(evidence=[upload]))
        assert response.status_code < 500
        created = Complaint.objects.count() - before
        upload.seek(0)
        api_response = api(world["owner"]).post(
            f"/api/v1/declarations/{declaration.pk}/documents/",
            {"required_document": document.code, "file": upload},
            format="multipart",
        )
        if label == "gps":
            assert created == 1 and api_response.status_code == 201, api_response.content
            evidence = Complaint.objects.order_by("-pk").first().evidence.get()
            stored["page"] = evidence.file.open("rb").read()
            doc = declaration.documents.get(required_document=document)
            stored["api"] = doc.file.file.open("rb").read()
        else:
            assert created == 0 and api_response.status_code == 400, (label, api_response.content)
            body = response.content.decode()
            assert "checked" in body or "limit" in body, label
    for data in stored.values():
        assert_no_metadata(data)
