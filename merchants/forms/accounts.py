"""Account forms: signing up."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
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

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _(
                    "An account with this e-mail address exists already. Log in, or reset its "
                    "password if you forgot it."
                ),
                code="email_taken",
            )
        return email


class AccountSettingsForm(NoSuffixMixin, forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("The language of the site, your inbox messages and your e-mail."),
    )
    complaint_notices = forms.ChoiceField(
        label=_("New complaints"), choices=User.ComplaintNotices.choices, widget=forms.RadioSelect
    )
    worklist_digest = forms.BooleanField(
        label=_("Send me my work list each morning"),
        required=False,
        help_text=_("One message in your inbox and by e-mail, on days when work waits for you."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "language": user.language,
                "complaint_notices": user.complaint_notices,
                "worklist_digest": user.worklist_digest,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("The site's default")),
            *[(code, name) for code, name in settings.LANGUAGES],
        ]
        if not (user.is_regulator and user.can_handle_complaints):
            del self.fields["complaint_notices"]
        if not user.is_regulator:  # the digest goes to regulators only
            del self.fields["worklist_digest"]
