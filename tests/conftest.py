"""The fixed cast every test draws on (STYLE.md §9).

alice owns a merchant in Xihu district (330106, Hangzhou); bob owns another one there. The
county regulator supervises Xihu; the other-county regulator supervises Binjiang (330108), in
the same city; the city regulator supervises all of Hangzhou (330100).
"""

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from common import sms
from common.limits import limits_forget_known
from complaints.models import DisclosureDate
from config.celery import app as celery_app
from merchants.models import (
    Commitment,
    Membership,
    Merchant,
    Region,
    RequiredDocument,
    Scheme,
    User,
)
from merchants.seed import load_regions, load_schemes
from review.models import ChecklistTemplate
from tests.factories import (
    MembershipFactory,
    MerchantFactory,
    RegulatorFactory,
    UserFactory,
    region,
)

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process unless a test is about the real broker."""
    if "celery_broker" in request.keywords:
        yield
        return
    old = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = old


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "common.sms.LocmemBackend"
    sms.outbox.clear()
    limits_forget_known()  # each test's counters roll back with it
    # Assertions read English messages; pages still follow the browser's language.
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def reference_data(transactional_db) -> None:
    """Regions, schemes, checklists and disclosure dates for tests that commit: a flush after
    such a test removes the rows the data migrations loaded, so they are loaded again here when
    missing."""
    if not Region.objects.exists():
        load_regions(Region)
    if not Scheme.objects.exists():
        load_schemes(Scheme, Commitment, RequiredDocument)
    if not ChecklistTemplate.objects.exists():
        import_module("review.migrations.0004_seed_checklists").seed(django_apps, None)
    if not DisclosureDate.objects.exists():  # the dates and threshold, named in both languages
        import_module("complaints.migrations.0002_disclosure").seed_disclosure(django_apps, None)
        import_module("complaints.migrations.0006_texts_to_messages").disclosure_names(
            django_apps, None
        )


@pytest.fixture
def consumer(db) -> User:
    return UserFactory(username="carol", role=User.Role.CONSUMER)


@pytest.fixture
def owner(db) -> User:
    return UserFactory(username="alice", role=User.Role.MERCHANT)


@pytest.fixture
def merchant(owner) -> Merchant:
    m = MerchantFactory(name="西湖茶楼", region=region("330106"))
    MembershipFactory(user=owner, merchant=m, role=Membership.Role.OWNER)
    return m


@pytest.fixture
def other_owner(db) -> User:
    return UserFactory(username="bob", role=User.Role.MERCHANT)


@pytest.fixture
def other_merchant(other_owner) -> Merchant:
    m = MerchantFactory(name="湖滨百货", region=region("330106"))
    MembershipFactory(user=other_owner, merchant=m, role=Membership.Role.OWNER)
    return m


@pytest.fixture
def county_regulator(db) -> User:
    return RegulatorFactory(username="reg-xihu", region=region("330106"))


@pytest.fixture
def other_county_regulator(db) -> User:
    return RegulatorFactory(username="reg-binjiang", region=region("330108"))


@pytest.fixture
def city_regulator(db) -> User:
    return RegulatorFactory(username="reg-hangzhou", region=region("330100"))


@pytest.fixture
def admin_user(db) -> User:
    return UserFactory(username="admin", role=User.Role.ADMIN, is_staff=True, is_superuser=True)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api(user: User | None = None) -> APIClient:
    """An API client in English, signed in as `user` (anonymous without one)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client
