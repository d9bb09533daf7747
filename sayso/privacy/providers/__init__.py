"""Registration of the personal-data providers of the apps whose data this app collects and
erases (so that those apps' files need not change). Registered in ``PrivacyConfig.ready``."""

from sayso.privacy.providers import community, consent, conversations, customers, deals

__all__ = ["community", "consent", "conversations", "customers", "deals"]
