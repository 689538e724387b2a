from celery import shared_task

from complaints.services import complaints_sweep_deadlines


@shared_task
def sweep_deadlines() -> dict[str, int]:
    return complaints_sweep_deadlines()
