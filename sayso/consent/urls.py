"""Staff routes: a customer's consent (under /staff/<org>/customers/<pk>/consent/) and
campaigns (under /staff/<org>/campaigns/)."""

from django.urls import path

from sayso.consent import views

customer_urlpatterns = [
    path("", views.staff_consent, name="staff-consent"),
    path("record/", views.staff_consent_record, name="staff-consent-record"),
    path("outreach/", views.staff_outreach, name="staff-outreach"),
    path("receipts/<uuid:receipt_id>/", views.staff_consent_receipt, name="staff-consent-receipt"),
]

campaign_urlpatterns = [
    path("", views.campaign_list, name="campaign-list"),
    path("<int:campaign_pk>/", views.campaign_detail, name="campaign-detail"),
]
