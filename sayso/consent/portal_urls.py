"""Portal routes (under /o/<org>/): the customer's consent page, their receipts, and the
public key that verifies receipts."""

from django.urls import path

from sayso.consent import views

urlpatterns = [
    path("my/consent/", views.portal_consent, name="portal-consent"),
    path(
        "my/consent/receipts/<uuid:receipt_id>/",
        views.portal_consent_receipt,
        name="portal-consent-receipt",
    ),
    path("consent/receipt-keys.json", views.receipt_keys, name="consent-receipt-keys"),
]
