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
from merchants.models import Declaration, Merchant, Region
from merchants.services.declarations import declaration_create
from review.models import ChecklistTemplate
from tests.conftest import api
from tests.factories import ComplaintFactory, approved_merchants, checklist, scheme

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
    }


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
    merchant, declaration, complaint = world["merchant"], world["declaration"], world["complaint"]
    fills = {
        "token": complaint.tracking_token,
        "public_code": merchant.public_code,
    }
    prefix_ids = [
        ("/declarations/", declaration.pk),
        ("/merchants/", merchant.pk),
        ("/complaints/", complaint.pk),
    ]

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name in fills:
            return str(fills[name])
        for prefix, pk in prefix_ids:
            if path.startswith(f"/api/v1{prefix}") or prefix in path:
                return str(pk)
        return "1"

    return re.sub(r"\{(\w+)\}", fill, path)


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
    from merchants.models import Pool
    from ratings.models import Evaluation, EvaluationRun
    from ratings.services import runs
    from ratings.services.pools import standing_move

    settings.COMPLAINT_INTAKE_LIMITS = {"hour": 10**6, "day": 10**6}
    settings.COMPLAINT_ADDRESS_LIMITS = {"hour": 10**6, "day": 10**6}
    owner, merchant = world["owner"], world["merchant"]
    for value in (*TEXT.values(), *NUMBERS.values(), *DATES.values(), *JSON.values()):
        for field in ("name", "address", "contact_phone", "licence_valid_until"):
            api(owner).patch(f"/api/v1/merchants/{merchant.pk}/", {field: value}, format="json")
        api(owner).patch(
            f"/api/v1/declarations/{world['declaration'].pk}/",
            {"details": {"return_days": value, "goods_covered": value}},
            format="json",
        )
        api(None).post(
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
    others = approved_merchants(2)
    Declaration.objects.filter(merchant=merchant).update(
        state=Declaration.State.APPROVED, decided_at=datetime.datetime.now(datetime.UTC)
    )
    standing_move(merchant=merchant, to=Pool.SELECTION, reason_code="t", reason="t")
    for other in others:
        standing_move(merchant=other, to=Pool.SELECTION, reason_code="t", reason="t")

    run = runs.evaluation_run(kind=EvaluationRun.Kind.MONTHLY)

    assert run.state == EvaluationRun.State.FINISHED
    assert Evaluation.objects.filter(merchant=merchant).exists()
    assert Merchant.objects.filter(pk=merchant.pk).exists()
    assert ChecklistTemplate.objects.exists()
