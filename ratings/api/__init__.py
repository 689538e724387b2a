"""The ratings API, by audience: the merchant's standing and the regulator's pools."""
