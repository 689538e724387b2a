"""Scheme kinds: one module per kind in this package, each defining a `SchemeKind` subclass
decorated with `@register`. A kind says which extra fields a declaration carries (form fields,
validation, which are required) and how its terms read on the public store page.

Adding a kind is one module here plus a data migration that adds its Scheme row (see
ARCHITECTURE.md); nothing else names the kinds one by one.
"""

import importlib
import pkgutil

from merchants.schemes.base import KINDS, SchemeKind, kind_choices, register, scheme_kind

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["KINDS", "SchemeKind", "kind_choices", "register", "scheme_kind"]
