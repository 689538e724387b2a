"""`{% merchant_file_url merchant as url %}`: the merchant's file (一户一档) for the reader, or ""
where the reader may not open it (merchants.permissions.merchant_file_copy). For a regulator it
costs no query; lists shown to a merchant's people would ask once a row."""

from typing import Any

from django import template
from django.urls import reverse

from merchants.permissions import merchant_file_copy

register = template.Library()


@register.simple_tag(takes_context=True)
def merchant_file_url(context: template.Context, merchant: Any) -> str:
    request = context.get("request")
    if merchant is None or request is None:
        return ""
    if merchant_file_copy(request.user, merchant) is None:
        return ""
    return reverse("merchant-file", args=[merchant.pk])
