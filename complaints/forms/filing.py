"""The form a coordinator or hotline operator fills in for a caller: the consumer's form with
the channel (complaints.forms.public.ComplaintForm, for_caller) and, for a coordinator, the
liaison station the caller came to."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from complaints.forms.public import ComplaintForm
from complaints.models import ComplaintChannel
from complaints.services.filing import STATION_NOT_SERVED
from merchants.models import Merchant, Region, Station


class CallerComplaintForm(ComplaintForm):
    """`stations`: those the coordinator serves (None for anyone else: no station field). The
    only one is chosen already, and the channel then defaults to the station."""

    def __init__(
        self,
        *args: Any,
        merchant: Merchant | None,
        counties: list[Region],
        stations: QuerySet[Station] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs["for_caller"] = True  # always a caller's: the channel is asked
        super().__init__(*args, merchant=merchant, counties=counties, **kwargs)
        if stations is None:
            return
        choices = list(stations)
        field = forms.ModelChoiceField(
            label=_("Liaison station"),
            queryset=stations,
            required=False,
            empty_label="—",
            error_messages={"invalid_choice": STATION_NOT_SERVED},
            help_text=_("Where the caller lodged the complaint (channel “Liaison station”).")
            if choices
            else _("You serve no liaison station yet: your county regulator assigns you one."),
        )
        field.label_from_instance = lambda station: station.name
        self.fields["station"] = field
        if len(choices) == 1:
            field.initial = choices[0].pk
        if choices:
            self.fields["channel"].initial = ComplaintChannel.STATION
        self.order_fields(["channel", "station"])
