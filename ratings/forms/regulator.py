"""HTML input of the regulator's pool pages: the browser's filters, checking a rectification,
deciding an appeal, an exit, a nomination. Forms check the shape of the input; the services in
ratings.services decide and their refusals are shown as they are.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.forms import BLANK, NoSuffixMixin, TranslatedNameChoiceField
from merchants.forms.regions import CountyChoiceField
from merchants.models import Pool, Region, Scheme
from merchants.validators import validate_uscc
from ratings.forms import TEXT_MAX
from ratings.selectors.pools import StandingFilters

STAR_CHOICES = [
    BLANK,
    ("0", _("No stars")),
    *[(str(n), "★" * n) for n in range(1, 6)],
]
SORT_CHOICES = [
    ("name", _("Name")),
    ("score", _("Score, lowest first")),
    ("-score", _("Score, highest first")),
    ("since", _("Latest moves first")),
]


def _text(label: Any, *, required: bool = True, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=TEXT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PoolFilterForm(NoSuffixMixin, forms.Form):
    pool = forms.ChoiceField(label=_("Pool"), required=False, choices=[BLANK, *Pool.choices])
    stars = forms.TypedChoiceField(
        label=_("Stars"), required=False, choices=STAR_CHOICES, coerce=int, empty_value=None
    )
    scheme = TranslatedNameChoiceField(
        label=_("Scheme"),
        required=False,
        queryset=Scheme.objects.all(),
        help_text=_("Merchants with an approved declaration for it."),
    )
    county = forms.ChoiceField(label=_("County"), required=False)
    score_min = forms.IntegerField(
        label=_("Score from"), required=False, min_value=0, max_value=100
    )
    score_max = forms.IntegerField(label=_("Score to"), required=False, min_value=0, max_value=100)
    q = forms.CharField(
        label=_("Name or credit code"),
        required=False,
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties, label=self.fields["county"].label, required=False
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("score_min"), data.get("score_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(_("The lowest score cannot be above the highest."))
        return data

    def filters(self) -> StandingFilters:
        """The filters of a valid form; no filter at all for an unbound or invalid one."""
        if not self.is_bound or not self.is_valid():
            return StandingFilters()
        data = self.cleaned_data
        county = data["county"]
        return StandingFilters(
            pool=data["pool"],
            stars=data["stars"],
            scheme=data["scheme"],
            county=county.code if county else "",
            score_min=data["score_min"],
            score_max=data["score_max"],
            q=data["q"],
            sort=data["sort"] or "name",
        )


class RectificationDecisionForm(NoSuffixMixin, forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Your check"),
        choices=[("yes", _("Accepted: back to the former pool")), ("no", _("Not enough yet"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = _text(
        _("Remarks"),
        required=False,
        help_text=_("Required when the report is not enough: say what is still missing."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("accept") is False and not data.get("reason"):
            self.add_error("reason", _("Say what is still missing."))
        return data


class AppealDecisionForm(NoSuffixMixin, forms.Form):
    overturn = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[
            ("yes", _("Allow the appeal: undo the decision")),
            ("no", _("Dismiss the appeal: the decision stands")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = _text(_("Reasons for the outcome"))


class PoolExitForm(NoSuffixMixin, forms.Form):
    reason = _text(
        _("Reason for the exit"),
        help_text=_("The serious violation, with its evidence. The merchant sees this text."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I confirm: the merchant leaves the programme and may declare again only after the "
            "waiting time."
        )
    )


class NominationForm(NoSuffixMixin, forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=30)
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        help_text=_("Only for a merchant not registered on the platform yet."),
    )
    county = forms.ChoiceField(label=_("County"), required=False)
    email = forms.EmailField(
        label=_("E-mail for the invitation"),
        required=False,
        help_text=_(
            "Only for a merchant not registered yet: the invitation to register is sent here."
        ),
    )
    message = _text(_("Message to the merchant"), required=False)

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"] = CountyChoiceField(
            counties=counties,
            label=self.fields["county"].label,
            required=False,
            help_text=_("Only for a merchant not registered yet."),
        )

    def clean_uscc(self) -> str:
        return validate_uscc(self.cleaned_data["uscc"])

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "uscc": data["uscc"],
            "name": data["name"],
            "region": data["county"],
            "email": data["email"],
            "message": data["message"],
        }
