"""The REST API's filter backend: django-filter's, refusing what a filter form would misread."""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from common.api import MAX_PK
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


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_PK})
class IdFilter(django_filters.NumberFilter):
    """An object's id as a filter: a whole number the database can hold (1 to a bigint); any
    other value is a 400 where a plain NumberFilter took 1.5 and sent a 20-digit number to the
    database (a server error)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_PK)
        super().__init__(*args, **kwargs)
