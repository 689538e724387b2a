"""A merchant's answers to its figures in a disclosure preview."""

from django import forms
from django.utils.translation import gettext_lazy

from complaints.models import FlagDecision
from complaints.services.disclosure import FLAG_COMMENT_MAX, REPLY_MAX


class FlagForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("What is wrong with these figures?"),
        max_length=FLAG_COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Public reply, shown beside your figures"),
        max_length=REPLY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FlagDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=FlagDecision.choices)
    reason = forms.CharField(
        label=gettext_lazy("Reason, shown to the merchant"),
        max_length=FLAG_COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
