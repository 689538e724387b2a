"""Headless Debian Chromium driven by Playwright against pytest-django's live server.

Without Chromium these tests skip, unless ACP_REQUIRE_BROWSER=1 (CI), where they fail.
Screenshots are kept in ACP_ARTIFACTS_DIR (default: test-artifacts/).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ACP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(
    os.environ.get("ACP_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "test-artifacts")
)


def _browser_missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-wqy-zenhei)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    missing = _browser_missing()
    if missing:
        if os.environ.get("ACP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required but cannot run: {missing}")
        pytest.skip(missing)
    # Playwright runs an event loop in this thread; the ORM calls in the test are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context per person; records requests that leave the server."""
    contexts = []
    outside: list[str] = []

    def _open(locale: str = "zh-CN", **options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(locale=locale, **options)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(live_server.url) or r.url.startswith("data:")
                else outside.append(r.url)
            ),
        )
        page.set_default_timeout(15_000)
        return page

    yield _open
    for context in contexts:
        context.close()
    assert outside == [], f"pages loaded assets from outside the server: {outside}"


@pytest.fixture
def shot(request):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
