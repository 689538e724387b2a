"""Every periodic job in one place. `migrate` writes the missing ones into django-celery-beat's
tables (config/beat.py), where admins can change or pause them afterwards; `manage.py
setup_periodic_tasks` sets them all back to these values."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    crontab: dict[str, str]
    description: str


SCHEDULES: tuple[Schedule, ...] = (
    # Every minute: side effects whose delivery failed (mail server, broker or cache down).
    Schedule(
        name="outbox redelivery",
        task="common.tasks.outbox_redeliver",
        crontab={"minute": "*"},
        description="Deliver pending mail, SMS, tasks and cache deletes again, with backoff.",
    ),
    # Hourly at :05: rate-limit counters older than a day.
    Schedule(
        name="rate limit purge",
        task="common.tasks.limits_purge",
        crontab={"minute": "5"},
        description="Delete the rate-limit counters that no window reaches any more.",
    ),
    # Every 10 minutes: declarations stuck in submitted/screening (worker down, lost enqueue).
    Schedule(
        name="screening sweep",
        task="review.tasks.screening_sweep",
        crontab={"minute": "*/10"},
        description="Re-screen declarations stuck in screening; finish them as incomplete.",
    ),
    # Hourly at :15: complaint steps past their working-day deadlines; silent merchants.
    Schedule(
        name="complaint deadline sweep",
        task="complaints.tasks.sweep_deadlines",
        crontab={"minute": "15"},
        description="Flag overdue complaints; unanswered ones go to mediation.",
    ),
    # Daily at 00:45 Beijing time: merchants' previews 5 working days ahead; publish on the day.
    Schedule(
        name="complaint disclosure",
        task="complaints.tasks.disclosure_run",
        crontab={"minute": "45", "hour": "0"},
        description="Build, preview and publish complaint disclosures on their dates.",
    ),
    # Daily at 08:00 Beijing time: handlers who chose a digest hear of yesterday's complaints.
    Schedule(
        name="new complaints digest",
        task="complaints.tasks.new_complaints_digest",
        crontab={"minute": "0", "hour": "8"},
        description="Send complaint handlers who chose a digest the previous day's new complaints.",
    ),
    # Daily at 08:10 Beijing time, after the complaints digest: each regulator's work list.
    Schedule(
        name="work list digest",
        task="merchants.tasks.worklist_digest",
        crontab={"minute": "10", "hour": "8"},
        description="Send each regulator who wants it one message listing the work waiting.",
    ),
    # Daily at 00:30 Beijing time, after the working day has turned: flag late reviews.
    Schedule(
        name="review overdue sweep",
        task="review.tasks.mark_overdue",
        crontab={"minute": "30", "hour": "0"},
        description="Flag declarations whose review deadline has passed.",
    ),
    # Daily at 02:00 Beijing time, after the day's sweeps: merchants with new events.
    Schedule(
        name="evaluation nightly",
        task="ratings.tasks.evaluate_nightly",
        crontab={"minute": "0", "hour": "2"},
        description="Re-evaluate the merchants that had new events since their last evaluation.",
    ),
    # The 1st of each month at 03:00 Beijing time: every merchant in the programme.
    Schedule(
        name="evaluation monthly",
        task="ratings.tasks.evaluate_monthly",
        crontab={"minute": "0", "hour": "3", "day_of_month": "1"},
        description="Re-evaluate every merchant in the programme.",
    ),
    # Hourly at :40: warnings not rectified in time exit; appeals past their date are flagged.
    Schedule(
        name="ratings deadline sweep",
        task="ratings.tasks.sweep_deadlines",
        crontab={"minute": "40"},
        description="Exit merchants not rectified in time; flag appeals not decided in time.",
    ),
    # Daily at 04:35 Beijing time, after the night's evaluation: the cockpit, every month.
    # Not on a ten-minute mark: the recent refresh would hold the rollups and the full one
    # would be skipped for the day.
    Schedule(
        name="supervision refresh full",
        task="supervision.tasks.refresh_full",
        crontab={"minute": "35", "hour": "4"},
        description="Rebuild the supervision cockpit's figures for every month of the window.",
    ),
    # Every 10 minutes: the cockpit's current and previous month and its snapshot.
    Schedule(
        name="supervision refresh recent",
        task="supervision.tasks.refresh_recent",
        crontab={"minute": "*/10"},
        description="Rebuild the supervision cockpit's current figures.",
    ),
)
