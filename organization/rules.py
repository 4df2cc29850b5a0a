"""The organisation's actions (core/rules.py). Each part keeps its declarations in its own module."""

from . import rules_campaigns  # noqa: F401  # organization.campaign_* (campaigns)
