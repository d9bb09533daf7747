"""What other apps show on the staff customer page (``core.sections``), registered in their
``AppConfig.ready`` so that customers imports none of them:

- ``CUSTOMER`` (``organization=``, ``customer=``): conversations the customer's ``cases``.
"""

from __future__ import annotations

from sayso.core.sections import PageSections

CUSTOMER = PageSections("the staff customer page", "organization", "customer")
