"""Finding a complaint again by its number and phone: the number and phone, then the code sent
to that phone, then the tracking page. The page says the same whether or not they matched."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from common.errors import DomainError
from common.net import client_ip
from common.pages import show_domain_error
from complaints.forms.lookup import LookupCodeForm, LookupForm
from complaints.services import lookup


def complaint_lookup(request: HttpRequest) -> HttpResponse:
    """GET: the number and phone. POST without a code: send one, then ask for it. POST with a
    code: open the complaint."""
    context: dict = {"sent": False}
    if request.method != "POST":
        return render(request, "complaints/public/lookup.html", {"form": LookupForm(), **context})
    if "code" in request.POST:
        code_form = LookupCodeForm(request.POST)
        if code_form.is_valid():
            data = code_form.cleaned_data
            try:
                complaint = lookup.complaint_lookup_verify(
                    number=data["number"], phone=data["phone"], code=data["code"]
                )
            except DomainError as exc:
                show_domain_error(code_form, exc)
            else:
                return redirect(reverse("complaint-track", args=[complaint.tracking_token]))
        return render(
            request,
            "complaints/public/lookup.html",
            {"form": code_form, "sent": True, "sent_text": lookup.lookup_sent_text()},
        )
    form = LookupForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            lookup.complaint_lookup_request(
                number=data["number"], phone=data["phone"], ip=client_ip(request)
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            code_form = LookupCodeForm(initial={"number": data["number"], "phone": data["phone"]})
            return render(
                request,
                "complaints/public/lookup.html",
                {"form": code_form, "sent": True, "sent_text": lookup.lookup_sent_text()},
            )
    return render(request, "complaints/public/lookup.html", {"form": form, **context})
