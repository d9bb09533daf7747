"""Staff pages under /staff/<org>/sales/."""

from django.urls import path

from sayso.deals import views

urlpatterns = [
    path("intents/", views.intent_queue, name="staff-intents"),
    path("intents/<int:pk>/", views.intent_detail, name="staff-intent"),
    path("deals/", views.deal_list, name="staff-deals"),
    path("deals/<int:pk>/", views.deal_detail, name="staff-deal"),
    path("process/", views.selling_process_edit, name="staff-selling-process"),
]
