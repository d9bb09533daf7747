"""What other apps show on conversations' pages (``core.sections``), registered in their
``AppConfig.ready`` so that conversations imports none of them:

- ``STAFF_CASE`` (``case=``): the staff case page — status its ``incidents``, community the
  case's ``community_questions``;
- ``INBOX`` (``organization=``): the staff inbox's links to other queues — community's
  ``unanswered_count``, status's ``incident_count`` (not computed for an htmx refresh);
- ``PORTAL_CASE`` (``case=``): a case on the portal — status its ``incidents``;
- ``PORTAL_NOTICES`` (``organization=``): the portal's home and new-case pages — status's
  ``incidents`` in progress.
"""

from __future__ import annotations

from sayso.core.sections import PageSections

STAFF_CASE = PageSections("the staff case page", "case")
INBOX = PageSections("the staff inbox", "organization")
PORTAL_CASE = PageSections("a case on the portal", "case")
PORTAL_NOTICES = PageSections("the portal's home and new-case pages", "organization")
