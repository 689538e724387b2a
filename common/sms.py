"""Text messages through a pluggable backend, chosen like Django's mail backend by a setting
(`SMS_BACKEND`): the default writes each message to the console (standard output), the
`locmem` one keeps them in `common.sms.outbox` for tests, and a real gateway is one class with a
`send(to, text)` method."""

import sys
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

outbox: list[tuple[str, str]] = []


class Backend(Protocol):
    def send(self, to: str, text: str) -> None: ...


class ConsoleBackend:
    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {to}:\n{text}\n{'-' * 40}\n")
        sys.stdout.flush()


class LocmemBackend:
    def send(self, to: str, text: str) -> None:
        outbox.append((to, text))


def send(to: str, text: str) -> None:
    backend: Backend = import_string(settings.SMS_BACKEND)()
    backend.send(to, text)
