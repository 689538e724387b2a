"""A person's own account: their settings (language, complaint notices), their API tokens, the
answer to a locked-out login, and the site's language switch, which remembers the choice on the
account of whoever is signed in."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from merchants.forms.accounts import AccountSettingsForm
from merchants.services import accounts as account_services
from merchants.services import tokens as token_services


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many wrong passwords for this account from your address: logging in is locked "
        "for %(minutes)d minutes. Try again later, or reset your password."
    ) % {"minutes": minutes}


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): 429, with the message
    in the page's language; JSON for the API, the login page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=429)
    return render(
        request,
        "registration/locked_out.html",
        {"message": lockout_message()},
        status=429,
    )


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The person's API tokens: when each was made and expires; each can be revoked."""
    return render(
        request,
        "merchants/account/tokens.html",
        {"tokens": token_services.api_token_list(user=request.user)},
    )


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, key: str) -> HttpResponse:
    if not token_services.api_token_revoke(actor=request.user, token_key=key):
        raise Http404
    messages.success(request, _("The API token is revoked."))
    return redirect("account-tokens")


@require_POST
@login_required
def api_tokens_revoke_all(request: HttpRequest) -> HttpResponse:
    token_services.api_tokens_revoke_all(user=request.user)
    messages.success(request, _("All your API tokens are revoked."))
    return redirect("account-tokens")


def _remember_page_language(response: HttpResponse, language: str) -> None:
    """The pages follow the account's language from now on (blank: the browser's)."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
        )


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = AccountSettingsForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account_services.user_update_settings(
            user=user,
            language=data["language"],
            complaint_notices=data.get("complaint_notices") or None,
            worklist_digest=data.get("worklist_digest"),
        )
        if data["language"]:
            translation.activate(data["language"])
        messages.success(request, _("Your settings are saved."))
        response = redirect("account-settings")
        _remember_page_language(response, data["language"])
        return response
    return render(request, "merchants/account/settings.html", {"form": form})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a signed-in person's choice is kept on their account too, so
    their messages and mail follow it."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        account_services.user_update_settings(user=request.user, language=language)
    return response
