"""What the merchants app announces. Higher apps react in their `receivers.py`; this app never
calls up a layer. Each signal is sent inside the transaction of the change it announces, so a
receiver's writes commit or roll back with it. The list of signals, their senders and receivers
is in ARCHITECTURE.md.
"""

from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

from merchants.models import Declaration, User

# A merchant is about to start a declaration for a scheme. A receiver that forbids it raises a
# DomainError saying why (sent with `send`, so the error reaches the caller).
# kwargs: merchant, scheme.
declaration_creating = Signal()

# Declarations moved in their state machine (one change, or a batch from screening).
# kwargs: changes (list[DeclarationChange]).
declarations_changed = Signal()

# A merchant was registered. kwargs: merchant, actor.
merchant_registered = Signal()

# A merchant moved to another county (an approved county change request). Every row that carries
# the merchant's region follows it in the same transaction: the merchants app moves its
# declarations itself; higher apps move theirs in a receiver (complaints, standings,
# inspections). kwargs: merchant (already saved in the new county), from_region, to_region, actor.
merchant_region_changed = Signal()

# Facts the public sees of merchants changed (profile, permits, scheme texts, registry records).
# kwargs: public_codes (list of store codes, or None when any merchant may be affected).
merchant_facts_changed = Signal()

# A declaration's page is being shown: higher apps add what they know of it to the template
# context by returning a dict (e.g. review: the screening report). kwargs: declaration.
declaration_page_context = Signal()

# The home page is being shown to a signed-in person: higher apps add what they hold for them by
# returning a dict for the template (e.g. complaints: a consumer's latest complaints, with the
# partial that shows them). kwargs: user.
home_page_context = Signal()

# External records were created or updated by an import or a feed.
# kwargs: source (an EXTERNAL_SOURCES key), usccs (a queryset or list of the codes concerned).
records_changed = Signal()


@dataclass(frozen=True)
class DeclarationChange:
    """One move of the declaration state machine, as its event row records it."""

    declaration: Declaration  # saved in its new state
    from_state: str
    to_state: str
    actor: User | None  # None: the system


# One merchant's full history is being exported (merchants.services.history): higher apps add
# what they hold of it by returning a list of HistorySection. kwargs: merchant, full
# (True: the regulator's copy, everything; False: the owner's copy, only what the merchant's
# people may see: complainants' contacts masked, no internal notes, no inspection photos).
merchant_history_collecting = Signal()


# The regulators' liaison station pages are being shown (the list, a station's page): higher apps
# add a column of what they know of each station by returning a StationColumn (complaints: how
# many were lodged there). kwargs: stations (a list, the page's), user (the reader).
station_columns_collecting = Signal()


@dataclass(frozen=True)
class StationColumn:
    """One column of the station pages: its heading, and the template (of the app that knows)
    that renders a station's cell from `station` and `value` (values.get(station.pk))."""

    heading: str
    template: str
    values: dict[int, Any]
