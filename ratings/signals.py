"""What the ratings app announces (sent inside the transaction of the change; see
ARCHITECTURE.md for who receives each)."""

from django.dispatch import Signal

# Merchants' standings changed in what the public sees: a pool or star move, an appeal lodged or
# decided. kwargs: public_codes (the merchants' store codes).
standings_changed = Signal()
