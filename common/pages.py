"""What the HTML views of every app share."""

import heapq
from collections.abc import Callable, Iterable
from functools import wraps
from itertools import islice
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from common.errors import DomainError

View = Callable[..., HttpResponse]


def only_for(test: Callable[[AbstractBaseUser], bool]) -> Callable[[View], View]:
    """A view for the signed-in users `test` admits; to anyone else it does not exist (a 404,
    not a 403). The API's counterpart is common.api.NotFoundUnless."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not test(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def show_domain_error(form: BaseForm, exc: DomainError) -> None:
    """A service's refusal shown on the form: on the field it names, if the form has that field."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class CountedPaginator(Paginator):
    """A paginator told its count: the page's tab counts were already computed in one query."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


# The reader of a page's keys: rows bottom..top of a list, as KeysFirstPaginator asks them.
PageKeys = Callable[..., list[Any]]


def merged_keys(streams: Iterable[Iterable[tuple[Any, Any]]], *, bottom: int, top: int) -> list:
    """The keys of rows bottom..top of a list read in parts: each stream gives (order value,
    key) in the list's order, descending; each needs to give its first `top` rows only."""
    merged = heapq.merge(*streams, reverse=True)
    return [key for _order, key in islice(merged, bottom, top)]


class KeysFirstPaginator(CountedPaginator):
    """A counted paginator for long, index-ordered lists: a page reads its rows' primary keys
    first (the walk past the earlier pages stays in the index, with no joins), then only those
    rows with their joins, so a deep page costs about what the first one does. Two queries a
    page. `key` is the unique column read first: another than the primary key when an index
    that the walk probes holds it (the pool browser's standings by merchant). `keys(bottom=,
    top=)`, when given, reads them instead: for an order no one query walks from an index (an
    inspector's visits, open ones first)."""

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        *,
        count: int,
        key: str = "pk",
        keys: PageKeys | None = None,
    ) -> None:
        super().__init__(object_list, per_page, count=count)
        self.key = key
        self.keys = keys or self.keys_in_order

    def keys_in_order(self, *, bottom: int, top: int) -> list[Any]:
        return list(self.object_list.values_list(self.key, flat=True)[bottom:top])

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.keys(bottom=bottom, top=top)
        found = self.object_list.filter(**{f"{self.key}__in": keys})
        rows = {getattr(row, self.key): row for row in found}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


def act(
    request: HttpRequest,
    action: Callable[[], object],
    success: str,
    *,
    then: str,
    form: BaseForm | None = None,
    invalid: Callable[[BaseForm], HttpResponse] | None = None,
    refused: str | Callable[[DomainError], HttpResponse] | None = None,
) -> HttpResponse:
    """A POST that calls one service, the same way on every page.

    A bound `form` is validated first: if it does not validate, `invalid(form)` renders the page
    again with it; without `invalid`, its errors are flashed. The service's refusal (DomainError)
    goes to `refused`: a function that renders the page with it, or a URL to redirect to with the
    message flashed. Success flashes `success` and redirects to `then`, as does a refusal or an
    invalid form given nowhere else to go.
    """
    back = refused if isinstance(refused, str) else then
    if form is not None and not form.is_valid():
        if invalid is not None:
            return invalid(form)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        action()
    except DomainError as exc:
        if callable(refused):
            return refused(exc)
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, success)
    return redirect(then)
