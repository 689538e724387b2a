"""The rate-limit counters (common/limits.py): windows, giving back, purge."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common import tasks
from common.limits import Limit, LimitExceeded, limit_key, limits_purge, limits_reserved
from common.models import LimitCounter

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(minute=2, second=0, microsecond=0)  # early in a 5-minute bucket


def use(limit: Limit, minutes_ago: float = 0) -> None:
    with limits_reserved([limit], now=NOW - timedelta(minutes=minutes_ago)):
        pass


def test_the_hour_limit_counts_the_last_hour_and_no_less():
    limit = Limit(key=limit_key("t", "a"), hour=2, day=10)
    use(limit, minutes_ago=59)
    use(limit, minutes_ago=30)
    with pytest.raises(LimitExceeded) as refused:
        use(limit)
    assert refused.value.window == "hour" and refused.value.limit == limit
    # An hour and a little later the first use has left the window.
    with limits_reserved([limit], now=NOW + timedelta(minutes=6)):
        pass


def test_the_day_limit_counts_the_last_day():
    limit = Limit(key=limit_key("t", "b"), hour=10, day=3)
    for minutes in (23 * 60, 5 * 60, 90):
        use(limit, minutes_ago=minutes)
    with pytest.raises(LimitExceeded) as refused:
        use(limit)
    assert refused.value.window == "day"
    use(limit, minutes_ago=-70)  # 23 h 70 min after the first: it has left the day


def test_a_refused_or_failed_use_is_given_back():
    limit = Limit(key=limit_key("t", "c"), hour=1, day=10)
    other = Limit(key=limit_key("t", "d"), hour=5, day=10)
    with pytest.raises(RuntimeError), limits_reserved([limit, other], now=NOW):
        raise RuntimeError("the work failed")
    use(limit)  # the failed one did not count
    for _ in range(3):
        with pytest.raises(LimitExceeded):
            limits_reserved([limit, other], now=NOW).__enter__()
    assert LimitCounter.objects.get(key=limit.key).hits == 1
    assert LimitCounter.objects.get(key=other.key).hits == 0  # refused with the first: nothing


def test_one_statement_counts_every_key_and_one_reads_the_window():
    limits = [Limit(key=limit_key("t", str(i)), hour=5, day=5) for i in range(2)]
    with CaptureQueriesContext(connection) as queries:
        use(limits[0])
        with limits_reserved(limits, now=NOW):
            pass
    sqls = [q["sql"] for q in queries if "common_limitcounter" in q["sql"]]
    assert len(sqls) == 4 and "ON CONFLICT" in sqls[2] and "SUM(" in sqls[3].upper()
    assert sorted(LimitCounter.objects.values_list("hits", flat=True)) == [1, 2]


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
