from celery import shared_task

from complaints.services.complaints import complaints_send_digests, complaints_sweep_deadlines
from complaints.services.disclosure import disclosure_run


@shared_task
def sweep_deadlines() -> dict[str, int]:
    return complaints_sweep_deadlines()


@shared_task(name="complaints.tasks.disclosure_run")
def disclosure_task() -> object:
    return disclosure_run()


@shared_task(name="complaints.tasks.new_complaints_digest")
def new_complaints_digest() -> int:
    return complaints_send_digests()
