"""Forms by sub-domain, then by audience."""
