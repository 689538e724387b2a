"""The REST API by sub-domain: complaints (intake, tracking, desks) and disclosure."""
