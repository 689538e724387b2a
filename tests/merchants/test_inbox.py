"""The on-site inbox and the unread count in the navigation."""

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils import timezone

from merchants.context_processors import inbox as inbox_context
from merchants.models import Notification, User
from tests.conftest import client_for
from tests.factories import NotificationFactory, RegulatorFactory, region

pytestmark = pytest.mark.django_db

BADGE = re.compile(r'class="nav-badge"[^>]*>([^<]+)<')


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def nav_badge(response: Any) -> str | None:
    match = BADGE.search(response.content.decode())
    return match.group(1) if match else None


def _notify(user: User, n: int, *, read: bool = False, **kwargs: Any) -> list[Notification]:
    now = timezone.now()
    return [
        NotificationFactory(
            user=user,
            subject=f"subject {user.username} {i}",
            body=f"body {i}",
            created_at=now - timedelta(minutes=n - i),
            read_at=now if read else None,
            **kwargs,
        )
        for i in range(n)
    ]


def test_inbox_lists_only_own_notifications_newest_first(owner, other_owner, merchant):
    mine = _notify(owner, 3, merchant=merchant)
    _notify(other_owner, 2)
    response = client_for(owner).get(reverse("inbox"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == mine[::-1]
    text = page_text(response)
    assert "subject alice 2" in text and merchant.name in text
    assert "subject bob" not in text


def test_unread_ones_are_highlighted_and_counted(owner):
    _notify(owner, 2)
    _notify(owner, 1, read=True)
    response = client_for(owner).get(reverse("inbox"))
    content = response.content.decode()
    assert content.count("inbox-item is-unread") == 2
    assert content.count('class="inbox-item"') == 1
    assert "2 unread messages" in page_text(response)
    assert nav_badge(response) == "2"


def test_nav_badge_shows_on_every_page_for_every_role(owner, county_regulator, consumer):
    _notify(owner, 4)
    _notify(county_regulator, 1)
    assert nav_badge(client_for(owner).get(reverse("dashboard"))) == "4"
    assert nav_badge(client_for(owner).get(reverse("home"))) == "4"
    regulator_page = client_for(county_regulator).get(reverse("regulator-declarations"))
    assert nav_badge(regulator_page) == "1"
    consumer_page = client_for(consumer).get(reverse("home"))
    assert reverse("inbox") in consumer_page.content.decode()
    assert nav_badge(consumer_page) is None
    assert reverse("inbox") not in client_for(None).get(reverse("home")).content.decode()


def test_nav_badge_caps_at_99(owner):
    _notify(owner, 100)
    assert nav_badge(client_for(owner).get(reverse("home"))) == "99+"


def test_opening_marks_read_and_follows_the_link(owner, merchant):
    target = reverse("merchant-detail", args=[merchant.pk])
    notification, other = _notify(owner, 2, link=target)
    response = client_for(owner).post(reverse("inbox-open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == target
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None and other.read_at is None


def test_opening_again_keeps_the_first_read_time(owner):
    (notification,) = _notify(owner, 1, read=True)
    first = notification.read_at
    client_for(owner).post(reverse("inbox-open", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.read_at == first


@pytest.mark.parametrize("link", ["", "https://evil.example.com/", "//evil.example.com/x"])
def test_a_notification_without_a_site_link_returns_to_the_inbox(owner, link):
    (notification,) = _notify(owner, 1, link=link)
    response = client_for(owner).post(reverse("inbox-open", args=[notification.pk]))
    assert response.url == reverse("inbox")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_is_a_post(owner):
    (notification,) = _notify(owner, 1, link="/")
    response = client_for(owner).get(reverse("inbox-open", args=[notification.pk]))
    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_outsider_gets_404_on_another_users_notification(owner, other_owner, county_regulator):
    (notification,) = _notify(owner, 1, link="/")
    for outsider in (other_owner, county_regulator):
        response = client_for(outsider).post(reverse("inbox-open", args=[notification.pk]))
        assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_own(owner, other_owner):
    _notify(owner, 3)
    (theirs,) = _notify(other_owner, 1)
    client = client_for(owner)
    response = client.post(reverse("inbox-read-all"), follow=True)
    assert "3 messages are marked as read." in page_text(response)
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert nav_badge(response) is None
    assert "No unread messages." in page_text(response)
    assert client.get(reverse("inbox-read-all")).status_code == 405


def test_empty_inbox_explains_what_arrives_here(consumer):
    text = page_text(client_for(consumer).get(reverse("inbox")))
    assert "No messages yet" in text
    assert "Mark all as read" not in text


def test_anonymous_is_sent_to_login(owner):
    (notification,) = _notify(owner, 1)
    for method, url in [
        ("get", reverse("inbox")),
        ("post", reverse("inbox-open", args=[notification.pk])),
        ("post", reverse("inbox-read-all")),
    ]:
        response = getattr(client_for(None), method)(url)
        assert response.status_code == 302 and reverse("login") in response.url, url
    notification.refresh_from_db()
    assert notification.read_at is None


def test_inbox_is_paginated_thirty_a_page(owner):
    _notify(owner, 31)
    client = client_for(owner)
    first = client.get(reverse("inbox"))
    assert len(first.context["page"].object_list) == 30
    second = client.get(reverse("inbox"), {"page": 2})
    assert [n.subject for n in second.context["page"].object_list] == ["subject alice 0"]


def _count_queries(client: Any, url: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx)


def test_inbox_query_count_does_not_grow_with_rows(owner, merchant, django_assert_max_num_queries):
    client = client_for(owner)
    url = reverse("inbox")
    _notify(owner, 1, merchant=merchant)
    few = _count_queries(client, url)
    assert few <= 7
    _notify(owner, 59, merchant=merchant)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 30
    with django_assert_max_num_queries(few):
        client.get(url, {"page": 2})


def test_nav_count_is_one_query_and_only_when_used(owner):
    _notify(owner, 2)
    with CaptureQueriesContext(connection) as ctx:
        client_for(owner).get(reverse("home"))
    on_notifications = [q["sql"] for q in ctx if "merchants_notification" in q["sql"]]
    assert len(on_notifications) == 1 and "COUNT" in on_notifications[0].upper()

    request = RequestFactory().get("/")
    request.user = owner
    with CaptureQueriesContext(connection) as ctx:
        value = inbox_context(request)["inbox_unread_count"]
    assert len(ctx) == 0
    with CaptureQueriesContext(connection) as ctx:
        assert value() == 2 and value() == 2
    assert len(ctx) == 1


# A stand-in for the review queue, so the link is tested whether or not the queue pages exist.
urlpatterns = [
    path("review/queue-stand-in/", lambda request: HttpResponse(), name="review-queue"),
    path("", include("config.urls")),
]


def test_review_queue_link_only_for_reviewers(county_regulator, admin_user, owner, settings):
    non_reviewer = RegulatorFactory(
        username="reg-xihu-2", region=region("330106"), can_review=False
    )
    settings.ROOT_URLCONF = __name__
    queue_url = reverse("review-queue")
    for reviewer in (county_regulator, admin_user):
        reviewer_page = client_for(reviewer).get(reverse("regulator-merchants"))
        assert f'href="{queue_url}"' in reviewer_page.content.decode()
        assert "Review queue" in page_text(reviewer_page)
    for user in (non_reviewer, owner):
        assert "Review queue" not in page_text(client_for(user).get(reverse("home")))
