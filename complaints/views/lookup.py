"""Finding a complaint again by its number and phone: the number and phone, then the code sent
to that phone, then the tracking page. The page says the same whether or not they matched."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from common.errors import DomainError
from common.net import client_ip
from common.pages import show_domain_error
from complaints.forms.lookup import LookupForm
from complaints.services import lookup


def complaint_lookup(request: HttpRequest) -> HttpResponse:
    """GET: the number and phone. POST without a code: send one, then ask for it. POST with a
    code (the number and phone come back hidden): open the complaint."""
    if request.method != "POST":
        return _page(request, LookupForm(), sent=False)
    with_code = "code" in request.POST
    form = LookupForm(request.POST, with_code=with_code)
    if not form.is_valid():
        return _page(request, form, sent=with_code)
    number, phone = form.cleaned_data["number"], form.cleaned_data["phone"]
    try:
        if with_code:
            complaint = lookup.complaint_lookup_verify(
                number=number, phone=phone, code=form.cleaned_data["code"]
            )
            return redirect(reverse("complaint-track", args=[complaint.tracking_token]))
        lookup.complaint_lookup_request(number=number, phone=phone, ip=client_ip(request))
    except DomainError as exc:
        show_domain_error(form, exc)
        return _page(request, form, sent=with_code)
    code_form = LookupForm(initial={"number": number, "phone": phone}, with_code=True)
    return _page(request, code_form, sent=True)


def _page(request: HttpRequest, form: LookupForm, *, sent: bool) -> HttpResponse:
    context = {"form": form, "sent": sent, "sent_text": lookup.lookup_sent_text() if sent else ""}
    return render(request, "complaints/public/lookup.html", context)
