"""Message codes are rendered in the reader's language, whoever wrote them."""

import datetime
import importlib
import pkgutil
import re

import pytest
from django.apps import apps
from django.utils import translation

from common.messages import (
    CATALOG,
    TEXT,
    bilingual,
    day,
    define,
    label,
    msg,
    person,
    person_name,
    render,
)

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")
# Latin words that a Chinese sentence may keep.
ALLOWED_LATIN = {"SMS", "QR", "CSV", "API", "ID", "XLSX", "JSON"}


def _import_all_project_modules() -> None:
    """Codes are defined when their module is imported: import every project module."""
    for config in apps.get_app_configs():
        if not config.path.startswith(str(apps.get_app_config("common").path).rsplit("/", 1)[0]):
            continue
        if ".venv" in config.path:
            continue
        for module in pkgutil.walk_packages([config.path], prefix=f"{config.name}."):
            if ".migrations" in module.name or ".management" in module.name:
                continue
            importlib.import_module(module.name)


def _blank_params(template: str) -> dict:
    return {name: (0 if kind == "d" else "") for name, kind in PLACEHOLDER.findall(template)}


def test_every_code_reads_in_both_languages():
    _import_all_project_modules()
    assert len(CATALOG) > 20
    problems = []
    for code, template in CATALOG.items():
        if code == TEXT:
            continue
        message = msg(code, **_blank_params(template))
        english = render(message, "en")
        chinese = render(message, "zh-hans")
        if CJK.search(english):
            problems.append(f"{code}: Chinese in English: {english!r}")
        bare = PLACEHOLDER.sub("", template)
        if re.search(r"[A-Za-z]{2,}", bare) and not CJK.search(chinese):
            problems.append(f"{code}: untranslated: {chinese!r}")
        latin = set(re.findall(r"[A-Za-z]{2,}", chinese)) - ALLOWED_LATIN
        if latin:
            problems.append(f"{code}: English in Chinese: {chinese!r}")
        if re.search(r"[\u4e00-\u9fff][:;,!?]", chinese):
            problems.append(f"{code}: ASCII punctuation in Chinese: {chinese!r}")
    assert problems == []


def test_parameters_follow_the_reader():
    define("test.parameters", "%(who)s, %(what)s, %(scheme)s, %(on)s")
    scheme = bilingual(lambda: "Return" if translation.get_language() == "en" else "退货")

    class Person:
        last_name, first_name = "周", "建华"

        def get_username(self) -> str:
            return "zhou"

    message = msg(
        "test.parameters",
        who=person(Person()),
        what=label("Approved"),
        scheme=scheme,
        on=day(datetime.date(2026, 10, 1)),
    )
    assert render(message, "en") == "建华 周, Approved, Return, Oct. 1, 2026"
    chinese = render(message, "zh-hans")
    assert chinese.startswith("周建华, 已通过, 退货, 2026年10月1日")


def test_person_names_follow_the_readers_convention():
    assert person_name("周", "建华", "zhou", language="zh-hans") == "周建华"
    assert person_name("Zhou", "Jianhua", "zhou", language="en") == "Jianhua Zhou"
    assert person_name("", "", "reg-xihu", language="zh-hans") == "reg-xihu"


def test_a_list_renders_one_per_line_and_an_unknown_code_keeps_its_text():
    lines = [msg(TEXT, text="one"), msg(TEXT, text="two")]
    assert render(lines) == "one\ntwo"
    assert render({"code": "gone.away", "params": {"text": "kept"}}) == "kept"
    assert render(None) == "" and render([]) == ""


def test_a_code_cannot_change_its_text():
    define("test.once", "Once")
    with pytest.raises(ValueError):
        define("test.once", "Twice")
    with pytest.raises(KeyError):
        msg("test.never-defined")


@pytest.mark.django_db
def test_admin_shows_and_finds_stored_messages(admin_user, owner):
    from merchants.models import Notification
    from merchants.services.notifications import notify_users
    from tests.conftest import client_for

    notify_users(
        user_ids=[owner.pk],
        key="admin-k1",
        subject=msg(TEXT, text="Hi"),
        body=msg(TEXT, text="There"),
        link="/",
    )
    client = client_for(admin_user)
    listing = client.get("/admin/merchants/notification/?q=admin-k1")
    assert listing.status_code == 200 and "Hi" in listing.content.decode()
    notification = Notification.objects.get(key="admin-k1")
    page = client.get(f"/admin/merchants/notification/{notification.pk}/change/")
    assert page.status_code == 200 and "There" in page.content.decode()
    user_page = client.get(f"/admin/merchants/user/{owner.pk}/change/").content.decode()
    assert 'name="language"' in user_page and 'name="complaint_notices"' in user_page
    assert "Xihu District" in client.get("/admin/merchants/region/?q=Xihu").content.decode()


@pytest.mark.django_db
def test_a_signed_in_person_reads_the_site_in_their_account_language(owner):
    from tests.conftest import client_for

    client = client_for(owner)
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.headers["Content-Language"] == "en"
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.headers["Content-Language"] == "zh-hans"
    assert "退出" in chinese.content.decode() or "登出" in chinese.content.decode()
    anonymous = client_for(None).get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.headers["Content-Language"] == "en"
