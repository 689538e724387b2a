"""Merchant pages, by sub-domain: home (home page, sign-up, dashboard), merchants (registration,
profile, staff and invitations), declarations, inbox, and the regulator's read-only lists.

Each page takes a scoped object from a selector, a form, one service call, a message, a redirect.
Anything outside the user's scope is a 404, never a 403: a page does not confirm that an object
it will not show exists.
"""
