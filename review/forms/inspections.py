"""HTML input of the quality-control pages: a new campaign, a visit's record, a rectification.

Forms check the shape of the input; the services decide (a critical item not met, a score below
the pass score, a region outside the supervisor's reach) and their refusals are shown as they are.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.forms import (
    ACCEPTED_EVIDENCE,
    DATE_WIDGET,
    ModelChoiceField,
    MultipleFileField,
    MultipleFileInput,
    NoSuffixMixin,
    TranslatedNameMultipleChoiceField,
)
from merchants.models import Industry, Pool, Region, Scheme
from review.models import (
    MAX_EXCLUDE_DAYS,
    MAX_SAMPLE_SIZE,
    ChecklistTemplate,
    InspectionMethod,
    InspectionResult,
    validate_due_date,
)

TEXT_MAX = 4000
ACCEPTED_PHOTOS = "image/*"
ANSWER_CHOICES = [("yes", _("Yes")), ("no", _("No")), ("na", _("Not applicable"))]


class RegionChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if obj.level == Region.Level.COUNTY and obj.parent_id:
            return f"{obj.parent.name} · {obj.name} ({obj.code})"
        return f"{obj.name} ({obj.code})"


class ChecklistChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _("%(name)s (version %(version)d)") % {
            "name": obj.display_name,
            "version": obj.version,
        }


class CampaignForm(NoSuffixMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    region = RegionChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        help_text=_("Merchants in this region and below are in scope."),
    )
    schemes = TranslatedNameMultipleChoiceField(
        label=_("Schemes"),
        queryset=Scheme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Merchants approved for any of these schemes; none ticked: any scheme."),
    )
    industries = forms.MultipleChoiceField(
        label=_("Industries"),
        choices=Industry.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any industry."),
    )
    pools = forms.MultipleChoiceField(
        label=_("Pools"),
        choices=Pool.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Merchants now in any of these pools; none ticked: any pool."),
    )
    method = forms.ChoiceField(
        label=_("Method"),
        choices=InspectionMethod.choices,
        initial=InspectionMethod.ON_SITE,
        widget=forms.RadioSelect,
    )
    checklist = ChecklistChoiceField(
        label=_("Checklist"), queryset=ChecklistTemplate.objects.filter(is_active=True)
    )
    sample_size = forms.IntegerField(
        label=_("Sample size"),
        min_value=1,
        max_value=MAX_SAMPLE_SIZE,
        required=False,
        help_text=_("How many merchants to draw. Give this or a percentage, not both."),
    )
    sample_percent = forms.DecimalField(
        label=_("Or a share of the merchants in scope (%)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        decimal_places=2,
        required=False,
        # xgettext:no-python-format
        help_text=_("Rounded up: 5% of 41 merchants draws 3."),
    )
    inspectors_per_visit = forms.IntegerField(
        label=_("Inspectors per visit"), min_value=1, max_value=5, initial=2
    )
    is_cross = forms.BooleanField(
        label=_("Cross-inspection: inspectors come from another county than the merchant's"),
        required=False,
    )
    exclude_recent_days = forms.IntegerField(
        label=_("Leave out merchants inspected in the last … days"),
        min_value=0,
        max_value=MAX_EXCLUDE_DAYS,
        help_text=_("0 keeps everyone in the draw."),
    )
    due_date = forms.DateField(label=_("Visits due by"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, regions: Any, exclude_recent_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["exclude_recent_days"].initial = exclude_recent_days
        self.fields["schemes"].queryset = Scheme.objects.filter(is_active=True)
        self.fields["checklist"].queryset = ChecklistTemplate.objects.filter(
            is_active=True
        ).select_related("scheme")

    def clean_due_date(self) -> Any:
        due = self.cleaned_data["due_date"]
        validate_due_date(due)
        return due

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        size, percent = data.get("sample_size"), data.get("sample_percent")
        if "sample_size" in self.errors or "sample_percent" in self.errors:
            return data
        if (size is None) == (percent is None):
            raise ValidationError(
                _("Give a sample size or a percentage of the merchants in scope, not both.")
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        percent = data.get("sample_percent")
        return {
            "name": data["name"],
            "region": data["region"],
            "schemes": list(data["schemes"]),
            "industries": list(data["industries"]),
            "pools": list(data["pools"]),
            "method": data["method"],
            "checklist": data["checklist"],
            "sample_size": data.get("sample_size"),
            "sample_ratio": (percent / Decimal(100)).quantize(Decimal("0.0001"))
            if percent is not None
            else None,
            "inspectors_per_visit": data["inspectors_per_visit"],
            "is_cross": data["is_cross"],
            "exclude_recent_days": data["exclude_recent_days"],
            "due_date": data["due_date"],
        }


def _text(label: Any, *, required: bool = False, rows: int = 3, help_text: Any = "") -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        strip=True,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class PhotoInput(MultipleFileInput):
    """Several photos; on a phone the camera opens straight away."""

    def __init__(self) -> None:
        super().__init__(attrs={"accept": ACCEPTED_PHOTOS, "capture": "environment"})


class InspectionRecordForm(NoSuffixMixin, forms.Form):
    """One radio group per checklist item (`item-<code>`), then the result and the texts.

    Items are not required here: the service counts the unanswered ones and says so.
    """

    result = forms.ChoiceField(
        label=_("Result"),
        choices=InspectionResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a result: pass, rectify or fail.")},
    )
    findings = _text(
        _("Findings for the merchant"),
        rows=4,
        help_text=_("Required for rectify and fail: what the merchant must put right."),
    )
    notes = _text(_("Internal notes"), help_text=_("Seen by regulators only, never the merchant."))
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=PhotoInput(),
        help_text=_("Up to 10 photos, JPEG or PNG."),
    )

    def __init__(self, *args: Any, checklist: list[dict], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        english = (get_language() or "").startswith("en")
        self.items = []
        for item in checklist:
            name = f"item-{item['code']}"
            label = item["text_en"] if english and item["text_en"] else item["text"]
            self.fields[name] = forms.ChoiceField(
                label=label, choices=ANSWER_CHOICES, required=False, widget=forms.RadioSelect
            )
            self.items.append({**item, "field_name": name, "label": label})
        # Items first, in checklist order; then the result and the texts.
        order = [i["field_name"] for i in self.items] + ["result", "findings", "notes", "photos"]
        self.order_fields(order)

    def item_fields(self) -> list[tuple[dict, forms.BoundField]]:
        return [(item, self[item["field_name"]]) for item in self.items]

    def answers(self) -> dict[str, str]:
        return {
            item["code"]: self.cleaned_data.get(item["field_name"]) or "" for item in self.items
        }


class RectificationForm(NoSuffixMixin, forms.Form):
    report = _text(
        _("What did you put right?"),
        required=True,
        rows=5,
        help_text=_("Describe each item you fixed; attach photos or documents as evidence."),
    )
    files = MultipleFileField(
        label=_("Evidence (photos or PDF)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_EVIDENCE}),
        help_text=_("Up to 10 files, PDF, JPEG or PNG, 10 MB each."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["report"].error_messages["required"] = _("Describe what was put right.")


class RectificationAcceptForm(NoSuffixMixin, forms.Form):
    reason = _text(_("Note (optional)"), rows=2)


class RectificationRejectForm(NoSuffixMixin, forms.Form):
    reason = _text(_("Why is it not enough?"), required=True, rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _(
            "Say why the rectification is not enough."
        )
