"""The one rule for query parameters that a list would misread, for filter forms and query
serializers alike."""

from django.utils.translation import gettext as _


def query_value_problem(
    values: list[str], *, many: bool, blank_allowed: bool, choice: bool = False
) -> str | None:
    """What is wrong with one query parameter's values, or None: given twice where one value is
    read (read as its last value), or empty where an empty value is not free text (read as
    absent, so an unfiltered answer). The rule for filter forms and query serializers alike."""
    if many:
        return _("Choose one of the listed values, or leave it out.") if "" in values else None
    if len(values) > 1:
        return _("Give this filter once.")
    if values == [""] and not blank_allowed:
        if choice:
            return _("Choose one of the listed values, or leave it out.")
        return _("Give a value, or leave this filter out.")
    return None
