"""The home page, signing up, and the dashboard: a merchant operator's merchants and their
declarations (supervisors go to their declaration list)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from common.pages import only_for
from merchants import selectors
from merchants.forms.accounts import SignUpForm
from merchants.models import DeclarationEvent, User
from merchants.permissions import is_supervisor
from merchants.services import accounts as account_services
from merchants.signals import home_page_context
from merchants.views.declarations import IN_REVIEW_STATES, REVIEWER_SHOWN_STATES, person_name
from merchants.worklist import WORKLIST_LIMIT, has_worklist, worklist_items


def home(request: HttpRequest) -> HttpResponse:
    """The front page; what a signed-in person sees on it beyond the merchants' part comes from
    the apps above (home_page_context: a consumer's complaints; a regulator's work list from
    the providers they registered, merchants/worklist.py)."""
    extras: dict[str, Any] = {}
    if request.user.is_authenticated:
        for _receiver, context in home_page_context.send(sender=User, user=request.user):
            extras |= context
        if has_worklist(request.user):
            extras |= {"show_worklist": True, "worklist": worklist_items(user=request.user)}
    return render(request, "merchants/home/home.html", extras)


@only_for(has_worklist)
def worklist(request: HttpRequest) -> HttpResponse:
    """The whole work list: the work waiting first, then, quietly, the kinds with none."""
    items = worklist_items(user=request.user, all_items=True)
    return render(
        request,
        "merchants/home/worklist.html",
        {
            "waiting": [item for item in items if item.count],
            "empty": [item for item in items if not item.count],
            "limit": WORKLIST_LIMIT,
            "settings_url": reverse("account-settings"),
        },
    )


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = account_services.user_sign_up(
            username=data["username"],
            email=data["email"],
            password=data["password1"],
            role=data["role"],
            phone=data["phone"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome, %(name)s. Your account is ready.") % {"name": user})
        if user.role == User.Role.MERCHANT:
            return redirect("merchant-register")
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if is_supervisor(user):
        return redirect("regulator-declarations")
    merchants = list(
        selectors.merchant_list_for_member(user=user).prefetch_related(
            Prefetch(
                "declarations__events",
                queryset=DeclarationEvent.objects.order_by("created_at", "id"),
            ),
            "declarations__reviewer",
        )
    )
    for merchant in merchants:
        for declaration in merchant.declarations.all():
            events = list(declaration.events.all())
            declaration.last_reason = events[-1].reason_text if events else ""
            declaration.reviewer_name = (
                person_name(declaration.reviewer) if declaration.reviewer_id else ""
            )
    return render(
        request,
        "merchants/home/dashboard.html",
        {
            "merchants": merchants,
            "in_review_states": IN_REVIEW_STATES,
            "reviewer_shown_states": REVIEWER_SHOWN_STATES,
        },
    )
