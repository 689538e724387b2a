"""The rate-limit counters (common/limits.py): windows, counting last, purge."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common import tasks
from common.limits import (
    WINDOW_BUCKETS,
    Limit,
    LimitExceeded,
    _bucket,
    limit_key,
    limits_forget_known,
    limits_purge,
    limits_use,
)
from common.models import LimitCounter

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(minute=2, second=0, microsecond=0)  # early in a 5-minute bucket


def use(limit: Limit, minutes_ago: float = 0) -> None:
    with transaction.atomic():
        limits_use([limit], now=NOW - timedelta(minutes=minutes_ago)).count()


def test_the_hour_limit_counts_the_last_hour_and_no_less():
    limit = Limit(key=limit_key("t", "a"), hour=2, day=10)
    use(limit, minutes_ago=59)
    use(limit, minutes_ago=30)
    with pytest.raises(LimitExceeded) as refused:
        use(limit)
    assert refused.value.window == "hour" and refused.value.limit == limit
    use(limit, minutes_ago=-6)  # an hour and a little later the first use has left the window


def test_the_day_limit_counts_the_last_day():
    limit = Limit(key=limit_key("t", "b"), hour=10, day=3)
    for minutes in (23 * 60, 5 * 60, 90):
        use(limit, minutes_ago=minutes)
    with pytest.raises(LimitExceeded) as refused:
        use(limit)
    assert refused.value.window == "day"
    use(limit, minutes_ago=-70)  # 23 h 70 min after the first: it has left the day


def test_a_use_passing_the_limit_at_the_count_rolls_back_with_its_work():
    """Two uses that both passed the first read: the second's count finds the first's and
    refuses, and its transaction — its work and its count — rolls back."""
    limit = Limit(key=limit_key("t", "c"), hour=1, day=10)
    first, second = limits_use([limit], now=NOW), limits_use([limit], now=NOW)
    with transaction.atomic():
        first.count()
    with pytest.raises(LimitExceeded), transaction.atomic():
        LimitCounter.objects.create(key="the second's work", bucket=0)
        second.count()
    assert list(LimitCounter.objects.values_list("key", "hits")) == [(limit.key, 1)]


def test_failed_work_does_not_count():
    limit = Limit(key=limit_key("t", "d"), hour=1, day=10)
    with pytest.raises(RuntimeError), transaction.atomic():
        limits_use([limit], now=NOW).count()
        raise RuntimeError("the work failed after its count")
    use(limit)


def test_one_read_and_one_upsert_for_every_key():
    limits = [Limit(key=limit_key("t", str(i)), hour=5, day=5) for i in range(2)]
    use(limits[0])
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        limits_use(limits, now=NOW).count()
    sqls = [q["sql"] for q in queries if "common_limitcounter" in q["sql"]]
    assert len(sqls) == 2 and "UNION ALL" in sqls[0] and "ON CONFLICT" in sqls[1]
    assert sorted(LimitCounter.objects.values_list("hits", flat=True)) == [1, 2]


def test_a_key_at_its_limit_is_refused_by_the_read_alone():
    limit = Limit(key=limit_key("t", "f"), hour=1, day=10)
    use(limit, minutes_ago=6)  # an earlier bucket
    with CaptureQueriesContext(connection) as queries, pytest.raises(LimitExceeded):
        limits_use([limit], now=NOW)
    assert len(queries) == 1 and "SELECT" in queries[0]["sql"]


def test_a_key_the_count_refused_is_refused_at_once_for_the_rest_of_the_bucket():
    """The read leaves the current bucket's row alone: a key that reached its limit in it is
    refused by the count (its work rolled back), then by the process without a query."""
    limit = Limit(key=limit_key("t", "i"), hour=1, day=10)
    use(limit)
    with pytest.raises(LimitExceeded):
        use(limit)
    with CaptureQueriesContext(connection) as queries, pytest.raises(LimitExceeded) as refused:
        limits_use([limit], now=NOW)
    assert queries.captured_queries == [] and refused.value.window == "hour"
    assert LimitCounter.objects.get(key=limit.key).hits == 1
    use(limit, minutes_ago=-65)  # the bucket has ended: read and counted again


def test_what_the_count_refused_is_remembered_per_limit_not_per_key():
    tight = Limit(key=limit_key("t", "j"), hour=1, day=10)
    roomy = Limit(key=tight.key, hour=5, day=10)
    use(tight)
    with pytest.raises(LimitExceeded):
        use(tight)
    use(roomy)  # the same key under a higher limit still has room
    assert LimitCounter.objects.get(key=tight.key).hits == 2


def test_a_key_with_settled_uses_is_read_from_two_buckets_and_still_limited():
    """An address behind a proxy: its uses before the previous bucket are summed once per
    bucket by the process; later reads take the previous and current buckets only, and the
    windows still count every use."""
    limit = Limit(key=limit_key("t", "g"), hour=4, day=4)
    use(limit, minutes_ago=23 * 60)  # settled, in the day only
    use(limit, minutes_ago=40)  # settled, in the hour and the day
    use(limit, minutes_ago=5)  # the previous bucket
    use(limit)  # the first read at NOW sums the whole window and keeps the settled part
    with CaptureQueriesContext(connection) as queries, pytest.raises(LimitExceeded) as refused:
        use(limit)
    assert refused.value.window == "day"
    (read,) = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    bucket = _bucket(NOW)
    assert f"bucket >= {bucket - 1} AND" in read
    assert str(bucket - WINDOW_BUCKETS["day"]) not in read
    limits_forget_known()  # another process: the whole window, the same answer
    with CaptureQueriesContext(connection) as queries, pytest.raises(LimitExceeded) as refused:
        use(limit)
    assert refused.value.window == "day"
    (read,) = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert f"bucket >= {bucket - WINDOW_BUCKETS['day']} AND" in read


def test_settled_sums_are_kept_for_the_current_bucket_only():
    limit = Limit(key=limit_key("t", "h"), hour=2, day=10)
    use(limit, minutes_ago=30)
    use(limit)  # keeps 1 settled use in the hour
    use(limit, minutes_ago=-70)  # later: the kept sums are of another bucket, both uses left
    use(limit, minutes_ago=-71)
    with pytest.raises(LimitExceeded) as refused:
        use(limit, minutes_ago=-72)
    assert refused.value.window == "hour"


def test_the_key_is_a_hash():
    key = limit_key("complaint-phone", "+8613812340000")
    assert len(key) == 64 and "13812340000" not in key
    assert key != limit_key("complaint-address", "+8613812340000")


def test_old_buckets_are_purged_by_the_hourly_task():
    limit = Limit(key=limit_key("t", "e"), hour=5, day=5)
    use(limit, minutes_ago=25 * 60 + 10)
    use(limit, minutes_ago=23 * 60)
    assert limits_purge(now=NOW) == 1
    assert LimitCounter.objects.count() == 1
    assert tasks.limits_purge() == 0
