"""HTML views by sub-domain, then by audience: the public intake and tracking, the desks,
disclosure."""
