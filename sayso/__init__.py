"""Sayso: an open-source social CRM where customers have a say."""

__version__ = "0.1.0"
