"""The on-site inbox: a person's notifications, opened one by one or all marked read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from merchants.models import Notification
from merchants.services.notifications import notification_mark_read

INBOX_PAGE_SIZE = 30


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user).select_related("merchant")
    page = Paginator(notifications, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "merchants/inbox/inbox.html", {"page": page})


@require_POST
@login_required
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's own notifications read, then go where it points."""
    notification = get_object_or_404(Notification.objects.filter(user=request.user), pk=pk)
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    # Links are site paths written by the platform; anything else falls back to the inbox.
    if notification.link and url_has_allowed_host_and_scheme(
        notification.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.link)
    return redirect("inbox")


@require_POST
@login_required
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = notification_mark_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d message is marked as read.",
                "%(count)d messages are marked as read.",
                count,
            )
            % {"count": count},
        )
    return redirect("inbox")
