"""common.pages.act: the one way a page's POST calls a service."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from common.errors import DomainError
from common.pages import act


class TextForm(forms.Form):
    text = forms.CharField()


def _post(data: dict | None = None):
    request = RequestFactory().post("/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _said(request) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def _refuse() -> None:
    raise DomainError("Not now.")


def test_success_is_flashed_and_redirects():
    request, done = _post(), []
    response = act(request, lambda: done.append(1), "Done.", then="/next/")
    assert done == [1] and response.status_code == 302 and response.url == "/next/"
    assert _said(request) == [("success", "Done.")]


def test_a_refusal_is_flashed_and_goes_where_told():
    request = _post()
    response = act(request, _refuse, "Done.", then="/next/", refused="/back/")
    assert response.url == "/back/" and _said(request) == [("error", "Not now.")]
    rendered = act(
        _post(), _refuse, "Done.", then="/next/", refused=lambda exc: HttpResponse(exc.message)
    )
    assert rendered.status_code == 200 and rendered.content == b"Not now."


def test_an_invalid_form_calls_nothing():
    request, done = _post(), []
    response = act(request, lambda: done.append(1), "Done.", then="/next/", form=TextForm({}))
    assert done == [] and response.url == "/next/"
    assert _said(request) == [("error", "This field is required.")]
    again = act(
        _post(),
        lambda: done.append(1),
        "Done.",
        then="/next/",
        form=TextForm({}),
        invalid=lambda form: HttpResponse(status=400),
    )
    assert done == [] and again.status_code == 400
