"""The ratings pages, by audience: the merchant's standing and the regulator's pools."""
