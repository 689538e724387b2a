"""What the HTML views of every app share."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse

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


class CountedPaginator(Paginator):
    """A paginator told its count: the page's tab counts were already computed in one query."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count
