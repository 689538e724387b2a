"""Actions started at the same moment, each in its own thread and database connection: for the
tests that show a row lock or an atomic upsert letting exactly the right number through
(PostgreSQL; the tests commit, so they use a transactional database)."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def race(*actions: Callable[[], Any]) -> list[Any]:
    """Start every action at once, each in its own thread; returns results or exceptions."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except Exception as exc:  # the test inspects every outcome
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck on a lock"
    return outcomes
