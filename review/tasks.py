from celery import shared_task

from review.services.screening import declaration_screen


@shared_task(acks_late=True)
def screen_declaration(declaration_id: int) -> None:
    declaration_screen(declaration_id=declaration_id)
