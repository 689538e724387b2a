"""Account forms: signing up."""

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from common.forms import NoSuffixMixin
from merchants.models import User


class SignUpForm(NoSuffixMixin, UserCreationForm):
    role = forms.ChoiceField(
        label=_("I am"),
        choices=[
            (User.Role.CONSUMER, _("a consumer")),
            (User.Role.MERCHANT, _("a merchant operator: I will register a merchant or join one")),
        ],
        initial=User.Role.CONSUMER,
        widget=forms.RadioSelect,
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "phone")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["phone"].widget = forms.TelInput(attrs={"autocomplete": "tel"})
