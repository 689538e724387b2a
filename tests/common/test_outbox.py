"""The outbox: recorded with the write, delivered after commit, tried again with backoff when a
delivery fails, each item delivered once, failing ones visible to admins."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common import outbox, sms
from common.messages import TEXT, msg
from common.models import OutboxItem
from common.outbox import (
    handler,
    mail_payload,
    outbox_add,
    outbox_batch,
    outbox_deliver,
    outbox_redeliver,
    outbox_retry_now,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

calls: list[dict] = []
failures = {"left": 0}


@handler("test-flaky")
def _flaky(payload: dict) -> None:
    if failures["left"] > 0:
        failures["left"] -= 1
        raise ConnectionError("down")
    calls.append(payload)


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()
    failures["left"] = 0


def test_an_item_is_delivered_after_commit_and_not_before():
    with transaction.atomic():
        outbox_add("test-flaky", {"n": 1})
        assert calls == []  # not before the commit
    assert calls == [{"n": 1}]
    item = OutboxItem.objects.get()
    assert item.delivered_at is not None and item.attempts == 1


def test_a_rolled_back_write_sends_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_add("test-flaky", {"n": 1})
        raise RuntimeError
    assert calls == [] and not OutboxItem.objects.exists()


def test_a_batch_records_its_items_in_one_insert_and_delivers_them_once():
    with transaction.atomic():
        outbox_add("test-flaky", {"n": 0}, key="before")
        with CaptureQueriesContext(connection) as queries, outbox_batch():
            outbox_add("test-flaky", {"n": 1})
            outbox_add("test-flaky", {"n": 2}, key="twice")
            with outbox_batch():  # nested: the outer block records
                outbox_add("test-flaky", {"n": 3}, key="twice")
                outbox_add("test-flaky", {"n": 4}, key="before")
            assert not queries.captured_queries  # nothing written until the block ends
        inserts = [q for q in queries.captured_queries if "INSERT" in q["sql"]]
        assert len(inserts) == 1
    assert sorted(c["n"] for c in calls) == [0, 1, 2]  # a key recorded again is a no-op
    assert OutboxItem.objects.filter(delivered_at__isnull=False).count() == 3


def test_a_batch_that_raises_records_nothing():
    with pytest.raises(RuntimeError), transaction.atomic(), outbox_batch():
        outbox_add("test-flaky", {"n": 1})
        raise RuntimeError
    assert not OutboxItem.objects.exists()
    outbox_add("test-flaky", {"n": 2})  # and the next write records at once again
    assert calls == [{"n": 2}]


def test_a_failed_delivery_waits_with_backoff_then_is_delivered_once():
    failures["left"] = 2
    outbox_add("test-flaky", {"n": 2})  # autocommit: delivered (and failing) at once
    item = OutboxItem.objects.get()
    assert item.delivered_at is None and item.attempts == 1
    assert "ConnectionError: down" in item.last_error
    first_wait = item.due_at - timezone.now()
    assert timedelta(seconds=20) < first_wait <= timedelta(seconds=30)

    assert outbox_redeliver() == 0  # not due yet
    OutboxItem.objects.update(due_at=timezone.now())
    assert outbox_redeliver() == 0  # fails again: the wait doubles
    item.refresh_from_db()
    assert item.attempts == 2
    assert timedelta(seconds=50) < item.due_at - timezone.now() <= timedelta(seconds=60)

    OutboxItem.objects.update(due_at=timezone.now())
    assert outbox_redeliver() == 1
    assert outbox_redeliver() == 0
    assert outbox_deliver([item.pk]) == 0  # a second dispatcher finds it delivered
    assert calls == [{"n": 2}]


def test_the_same_key_is_recorded_once():
    outbox_add("test-flaky", {"n": 4}, key="k-4")
    outbox_add("test-flaky", {"n": 4}, key="k-4")
    assert OutboxItem.objects.count() == 1 and calls == [{"n": 4}]


def test_unknown_kind_is_refused_at_once():
    with pytest.raises(KeyError):
        outbox_add("no-such-kind", {})


def test_mail_and_sms_are_rendered_in_the_readers_language():
    body = msg(TEXT, text="Hello")
    outbox_add(
        "mail",
        mail_payload(to=["a@example.com"], subject=body, body=body, language="en", link="/x/"),
    )
    outbox_add("sms", {"to": "13800000000", "body": body, "language": "zh-hans"})
    assert mail.outbox[-1].subject == "Hello" and mail.outbox[-1].body == "Hello\n\n/x/"
    assert sms.outbox == [("13800000000", "Hello")]


def test_admins_see_what_has_failed_for_long_and_can_retry_it(admin_user):
    failures["left"] = 1
    outbox_add("test-flaky", {"n": 5})
    OutboxItem.objects.update(created_at=timezone.now() - timedelta(hours=2))
    outbox_add("test-flaky", {"n": 6})  # delivered: not listed as failing
    page = client_for(admin_user).get("/admin/common/outboxitem/?delivery=failing")
    assert page.status_code == 200
    assert [row.payload for row in page.context["cl"].result_list] == [{"n": 5}]
    assert "ConnectionError: down" in page.content.decode()
    failing = OutboxItem.objects.get(delivered_at__isnull=True)
    assert outbox_retry_now([failing.pk]) == 1
    assert outbox.outbox_redeliver() == 1
    assert calls == [{"n": 6}, {"n": 5}]


def test_with_the_relay_a_write_only_records_and_the_relay_delivers(settings):
    from django.core.management import call_command

    settings.OUTBOX_RELAY = True
    with transaction.atomic():
        outbox_add("test-flaky", {"n": 7})
    assert calls == [] and OutboxItem.objects.get().delivered_at is None
    call_command("outbox_relay", "--once")
    assert calls == [{"n": 7}] and OutboxItem.objects.get().delivered_at is not None
