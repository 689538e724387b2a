from celery import shared_task

from merchants.services.worklist import worklist_digest_send


@shared_task(name="merchants.tasks.worklist_digest")
def worklist_digest() -> int:
    return worklist_digest_send()
