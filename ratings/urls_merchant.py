"""Filled in by the pages and API of issue 6."""

urlpatterns: list = []
