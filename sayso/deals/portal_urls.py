"""The customer's pages under /o/<org>/: intents, offers, deals, and how the organization sells."""

from django.urls import path

from sayso.deals import portal_views

urlpatterns = [
    path("how-we-sell/", portal_views.selling_process, name="selling-process"),
    path("intents/", portal_views.my_intents, name="portal-intents"),
    path("intents/new/", portal_views.intent_new, name="portal-intent-new"),
    path("intents/<int:pk>/", portal_views.intent_detail, name="portal-intent"),
    path("intents/<int:pk>/edit/", portal_views.intent_edit, name="portal-intent-edit"),
    path("intents/<int:pk>/withdraw/", portal_views.intent_withdraw, name="portal-intent-withdraw"),
    path("offers/<int:pk>/<slug:action>/", portal_views.offer_decide, name="portal-offer-decide"),
    path("deals/", portal_views.my_deals, name="portal-deals"),
    path("deals/<int:pk>/", portal_views.deal_detail, name="portal-deal"),
    path("deals/<int:pk>/<slug:action>/", portal_views.deal_status, name="portal-deal-status"),
]
