"""What the review app announces (sent inside the transaction of the change; see ARCHITECTURE.md
for who receives each)."""

from django.dispatch import Signal

# An inspection moved a step (recorded, rectified, closed, cancelled …). kwargs: inspection.
inspection_changed = Signal()
