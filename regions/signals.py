"""What the regions app announces to the apps built on it (coverage listens; regions imports none of them)."""

from django.dispatch import Signal

# Sent inside the transaction that adds a denominator revision: ``region``, ``year``.
denominator_changed = Signal()
