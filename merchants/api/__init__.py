"""REST API (/api/v1/), by sub-domain: regions, schemes, merchants, declarations, the feeds other
systems push external records through, and the token (auth). Same selectors and services as the
pages.

Serializers check the shape of the input and turn codes into objects of the right scheme;
every rule lives in a service, whose DomainError becomes a 400 (common/api.py). Objects
come from the user's scoped queryset, so anything outside it is a 404; inside it, acting needs
the merchant role that permissions.py grants, else a 403.
"""
