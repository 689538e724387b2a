"""How complaints reacts to what merchants announces: each receiver calls one complaints read.

Connected in ComplaintsConfig.ready(); the list of signals and receivers is in ARCHITECTURE.md.
"""

from typing import Any

from django.dispatch import receiver

from complaints.selectors.history import complaint_history
from merchants.signals import merchant_history_collecting


@receiver(merchant_history_collecting, dispatch_uid="complaints.history")
def history(*, merchant: Any, full: bool, **kwargs: Any) -> list[Any]:
    return complaint_history(merchant=merchant, full=full)
