"""Reads that the pages and the API share, one module per sub-domain."""
