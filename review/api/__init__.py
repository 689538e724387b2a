"""Review API, by sub-domain: queue (the declaration queues) and inspections (quality control)."""
