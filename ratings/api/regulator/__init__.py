"""The regulator's side of the pools in the API (/api/v1/ratings/): the pool browser with its
counts, one merchant's standing, checking rectifications, deciding appeals, exits, nominations
and, for supervisors, the evaluation runs.

The same selectors (ratings.selectors) and services as the pages, scoped the same way: a
regulator reaches their region and below, a platform admin everything; anything else is a 404.
A refused action is a 400 with the message the pages show.

One module per sub-domain, as in ratings.selectors and ratings.services: pools (the browser and
exits), warnings (rectification reports), appeals, nominations, runs; serializers holds the shapes
several of them return.
"""
