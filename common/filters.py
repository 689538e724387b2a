"""The REST API's filter backend: django-filter's, refusing what a filter form would misread."""

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from common.forms import query_problems


class StrictFilterBackend(DjangoFilterBackend):
    """A filter given twice or an empty choice, date or number is a 400 in the reader's language
    (common.forms.query_problems), where django-filter would read it as its last value or as
    absent and answer with a list nobody asked for."""

    def get_filterset(self, request: Request, queryset: QuerySet, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            problems = query_problems(filterset.form)
            if problems:
                raise ValidationError({name: [problem] for name, problem in problems.items()})
        return filterset
