"""How complaints reacts to what merchants announces: each receiver calls one complaints
read or service.

Connected in ComplaintsConfig.ready(); the list of signals and receivers is in ARCHITECTURE.md.
"""

from typing import Any

from django.dispatch import receiver

from complaints.selectors.complaints import consumer_home_context
from complaints.selectors.history import complaint_history
from complaints.selectors.stations import station_complaint_column
from complaints.services.complaints import complaints_follow_merchant_region
from merchants.signals import (
    home_page_context,
    merchant_history_collecting,
    merchant_region_changed,
    station_columns_collecting,
)


@receiver(merchant_history_collecting, dispatch_uid="complaints.history")
def history(*, merchant: Any, full: bool, **kwargs: Any) -> list[Any]:
    return complaint_history(merchant=merchant, full=full, viewer=kwargs.get("viewer"))


@receiver(home_page_context, dispatch_uid="complaints.consumer_home")
def consumer_home(*, user: Any, **kwargs: Any) -> dict[str, Any]:
    return consumer_home_context(user=user)


@receiver(merchant_region_changed, dispatch_uid="complaints.region")
def region(*, merchant: Any, to_region: Any, **kwargs: Any) -> None:
    complaints_follow_merchant_region(merchant=merchant, region=to_region)


@receiver(station_columns_collecting, dispatch_uid="complaints.station_counts")
def station_counts(*, stations: Any, user: Any, **kwargs: Any) -> Any:
    """Complaints lodged at a liaison station count for it."""
    return station_complaint_column(stations=stations, user=user)
