"""What the engine announces to the rooms above it (they listen; the engine imports none of them).

Both are sent inside the transaction of the change; a receiver that does more than write rows
(e-mail, a report) waits for the commit with ``transaction.on_commit``.
"""

from django.dispatch import Signal

# A month was closed: its snapshots are published. ``period``, ``user``, ``published_at``.
month_closed = Signal()
# A closed month was reopened for corrections. ``period``, ``user``, ``reason``.
month_reopened = Signal()
