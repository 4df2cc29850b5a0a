"""Signals of the leads area, for the layers above it (which the leads area never imports)."""

from django.dispatch import Signal

#: Sent after commit when a lead becomes finally closed (closed, and no second review pending:
#: ``Lead.is_final``), argument ``lead``. The API reports a higher deployment's transfer back.
lead_finally_closed = Signal()
