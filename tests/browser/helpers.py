"""What the browser journeys share: the cast's password, a phone's screen, logging in."""

PASSWORD = "Zhejiang-2026-safe"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SUBMIT = "main form.form button[type=submit]"


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click(SUBMIT)
    page.wait_for_load_state()


def assert_fits_the_screen(page) -> None:
    """Nothing wider than the screen: no sideways scrolling."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"
