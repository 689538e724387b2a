"""A declaration's content: the scheme, commitments, details, members and documents."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.forms import (
    ACCEPTED_UPLOADS,
    NoSuffixMixin,
    TranslatedNameChoiceField,
    TranslatedNameMultipleChoiceField,
)
from merchants import selectors
from merchants.models import Declaration, Merchant, RequiredDocument, Scheme
from merchants.services.declarations import document_field_name
from merchants.validators import validate_uscc


class DeclarationCreateForm(NoSuffixMixin, forms.Form):
    scheme = TranslatedNameChoiceField(
        label=_("Scheme"),
        queryset=Scheme.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = selectors.scheme_list(active_only=True)


def declaration_detail_rows(declaration: Declaration) -> list[tuple[str, Any]]:
    """(label, value) pairs of the scheme's extra fields, for the detail page."""
    return [
        (field.label, declaration.details.get(name))
        for name, field in declaration.scheme.spec.detail_fields().items()
    ]


def _parse_usccs(text: str) -> list[str]:
    codes, problems = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            codes.append(validate_uscc(line))
        except ValidationError as exc:
            problems.append(
                ValidationError(
                    _("%(code)s: %(problem)s") % {"code": line, "problem": exc.messages[0]}
                )
            )
    if problems:
        raise ValidationError(problems)
    return list(dict.fromkeys(codes))


class DeclarationForm(NoSuffixMixin, forms.Form):
    """The content of a declaration: commitments, the scheme's fields and one file per document."""

    commitments = TranslatedNameMultipleChoiceField(
        label=_("Commitments"),
        queryset=Scheme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each commitment you accept."),
    )
    member_usccs = forms.CharField(
        label=_("Member merchants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=_(
            "The unified social credit codes of the district's merchants, one per line. "
            "Each must be registered on the platform."
        ),
    )

    def __init__(self, *args: Any, declaration: Declaration, **kwargs: Any) -> None:
        self.declaration = declaration
        scheme = declaration.scheme
        kwargs.setdefault(
            "initial",
            {
                **declaration.details,
                "commitments": [c.pk for c in declaration.accepted_commitments.all()],
                "member_usccs": "\n".join(m.uscc for m in declaration.member_merchants.all()),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["commitments"].queryset = scheme.commitments.all()
        if not scheme.spec.has_members:
            del self.fields["member_usccs"]
        detail_fields = scheme.spec.detail_fields()
        self.detail_names = list(detail_fields)
        self.fields.update(detail_fields)
        self.documents = list(scheme.required_documents.all())
        for doc in self.documents:
            self.fields[self.document_field(doc.pk)] = forms.FileField(
                label=doc.display_name,
                required=False,
                help_text=_("Required.") if doc.is_mandatory else _("Optional."),
                widget=forms.FileInput(attrs={"accept": ACCEPTED_UPLOADS}),
            )

    @staticmethod
    def document_field(required_document_pk: int) -> str:
        return document_field_name(RequiredDocument(pk=required_document_pk))

    def clean_member_usccs(self) -> list[Merchant]:
        codes = _parse_usccs(self.cleaned_data["member_usccs"])
        found = {m.uscc: m for m in selectors.merchant_list_by_uscc(usccs=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise ValidationError(
                _("No merchant is registered with these codes: %(codes)s")
                % {"codes": ", ".join(unknown)}
            )
        return [found[c] for c in codes]

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.detail_names}

    def member_merchants(self) -> list[Merchant] | None:
        return self.cleaned_data.get("member_usccs") if "member_usccs" in self.fields else None

    def uploads(self) -> list[tuple[RequiredDocument, Any]]:
        """(required document, uploaded file) for each file chosen."""
        uploads = (
            (doc, self.cleaned_data.get(self.document_field(doc.pk))) for doc in self.documents
        )
        return [(doc, upload) for doc, upload in uploads if upload]

    def detail_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.detail_names]


class WithdrawForm(NoSuffixMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
