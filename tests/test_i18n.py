"""The zh-hans catalogue is complete: every string in the code is translated, none fuzzy."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _untranslated(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]


def test_committed_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(PO))
    assert len(po) > 100
    assert _untranslated(po) == []
    mo = polib.mofile(str(PO.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    stale = [
        e.msgid for e in po if e.translated() and compiled.get((e.msgctxt, e.msgid)) != e.msgstr
    ]
    assert stale == [], "run `make messages` to recompile the catalogue"


@pytest.mark.skipif(
    shutil.which("xgettext") is None and not os.environ.get("CI"),
    reason="GNU gettext is needed to extract strings (CI installs it)",
)
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    original = PO.read_bytes()
    try:
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "-l",
                "zh_Hans",
                "--ignore",
                ".venv/*",
                "--ignore",
                "tests/*",
                "--no-obsolete",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        missing = _untranslated(polib.pofile(str(PO)))
    finally:
        PO.write_bytes(original)
    assert missing == [], f"untranslated strings: {missing[:20]}"


def test_chinese_is_served_to_chinese_browsers(client, db):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.headers["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "en"
    with translation.override("en"):
        assert "Log in" in response.content.decode()


@pytest.mark.parametrize(
    "path, zh, en",
    [
        ("/complaints/queue/", 'data-label="处理人"', 'data-label="Handler"'),
        ("/review/", 'data-label="审核人员"', 'data-label="Reviewer"'),
        ("/ratings/pools/", 'data-label="分类库"', 'data-label="Pool"'),
    ],
)
def test_list_rows_are_labelled_in_the_readers_language(county_regulator, merchant, path, zh, en):
    """The labels a phone shows beside each cell (translated once per page, not per row)."""
    from merchants.models import Declaration
    from tests.conftest import client_for
    from tests.factories import ComplaintFactory, DeclarationFactory, StandingFactory

    ComplaintFactory(merchant=merchant)
    DeclarationFactory(merchant=merchant, state=Declaration.State.PENDING_REVIEW)
    StandingFactory(merchant=merchant)
    for language, label in (("zh-hans", zh), ("en", en)):
        county_regulator.language = language
        county_regulator.save(update_fields=["language"])
        page = client_for(county_regulator).get(path).content.decode()
        assert page.count(label) == 1, (path, language)
