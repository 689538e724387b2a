"""Bench-only settings: the product's settings with bench/floor_urls.py as the URLconf, so the
floor view is served by the same gunicorn, middleware and database as the product's pages and
never by the product itself (DJANGO_SETTINGS_MODULE=bench.floor_settings, from the checkout's
root)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
