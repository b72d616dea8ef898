"""Events other apps hang their work on, sent after the transaction commits.

`repair_order_delivered(repair_order, at)`: the follow-up clock and the reminders start here.
"""

from django.dispatch import Signal

repair_order_delivered = Signal()
