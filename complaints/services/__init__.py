"""Every write of the complaints app, one module per sub-domain."""
