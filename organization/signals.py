"""Signals of the organisation, for the areas above it (which the organisation never imports)."""

from django.dispatch import Signal

#: Sent by ``services.init_campaign`` after the plan's units exist (argument ``result``), so an
#: area can seed what it keeps about them (rectification: the sector → supervising unit table).
campaign_initialised = Signal()
