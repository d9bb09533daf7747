from django.contrib import admin
from django.urls import include, path

from sayso.api.main import api
from sayso.community.urls import staff_question_urlpatterns as question_staff_urls
from sayso.community.urls import staff_urlpatterns as community_staff_urls
from sayso.consent.urls import campaign_urlpatterns as campaign_urls
from sayso.consent.urls import customer_urlpatterns as consent_customer_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("sayso.listening.widget_urls")),
    path("", include("sayso.core.urls")),
    path("staff/<slug:org>/", include("sayso.conversations.urls")),
    path("staff/<slug:org>/customers/", include("sayso.customers.urls")),
    path("staff/<slug:org>/customers/<int:pk>/consent/", include(consent_customer_urls)),
    path("staff/<slug:org>/campaigns/", include(campaign_urls)),
    path("staff/<slug:org>/alerts/", include("sayso.notifications.urls")),
    path("staff/<slug:org>/moderation/", include(community_staff_urls)),
    path("staff/<slug:org>/questions/", include(question_staff_urls)),
    path("staff/<slug:org>/listening/", include("sayso.listening.urls")),
    path("staff/<slug:org>/webhooks/", include("sayso.webhooks.urls")),
    path("staff/<slug:org>/spam-filter/", include("sayso.intelligence.urls")),
    path("staff/<slug:org>/sales/", include("sayso.deals.urls")),
    path("staff/<slug:org>/privacy/", include("sayso.privacy.urls")),
    path("o/<slug:org>/", include("sayso.conversations.portal_urls")),
    path("o/<slug:org>/", include("sayso.consent.portal_urls")),
    path("o/<slug:org>/", include("sayso.community.urls")),
    path("o/<slug:org>/", include("sayso.roadmap.urls")),
    path("o/<slug:org>/", include("sayso.status.urls")),
    path("o/<slug:org>/", include("sayso.deals.portal_urls")),
    path("o/<slug:org>/", include("sayso.privacy.portal_urls")),
]
