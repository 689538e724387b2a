"""What the complaints app announces (sent inside the transaction of the change; see
ARCHITECTURE.md for who receives each)."""

from django.dispatch import Signal

# A complaint against a registered merchant moved a step. kwargs: complaint.
complaint_changed = Signal()
