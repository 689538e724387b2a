"""`manage.py outbox_relay`: deliver the outbox continuously (with OUTBOX_RELAY=true)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from common.outbox import BATCH, outbox_redeliver


class Command(BaseCommand):
    help = (
        "Deliver pending outbox items every OUTBOX_RELAY_INTERVAL seconds, in batches (at once "
        "again while there is a backlog), until stopped. Used with OUTBOX_RELAY=true, where "
        "writes only record their side effects."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args, once: bool = False, **options) -> None:
        while True:
            delivered = outbox_redeliver()
            if once:
                self.stdout.write(f"{delivered} delivered")
                return
            if delivered < BATCH:  # no backlog: wait, and take the next items in one batch
                time.sleep(settings.OUTBOX_RELAY_INTERVAL)
