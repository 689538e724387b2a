"""The statistics API, mounted at /api/v1/statistics/."""

from django.urls import path

from supervision.api import VIEWS

urlpatterns = [
    path(f"{key}/", view.as_view(), name=f"api-statistics-{key}") for key, view in VIEWS.items()
]
