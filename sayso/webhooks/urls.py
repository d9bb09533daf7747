"""Staff pages of webhooks, under /staff/<org>/webhooks/ (organization admins only)."""

from __future__ import annotations

from django.urls import path

from sayso.webhooks import views

urlpatterns = [
    path("", views.endpoint_list, name="webhook-list"),
    path("new/", views.endpoint_new, name="webhook-new"),
    path("<int:pk>/", views.endpoint_detail, name="webhook-detail"),
    path("<int:pk>/rotate/", views.endpoint_rotate, name="webhook-rotate"),
    path("<int:pk>/test/", views.endpoint_test, name="webhook-test"),
    path("<int:pk>/delete/", views.endpoint_delete, name="webhook-delete"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="webhook-delivery"),
    path("deliveries/<int:pk>/resend/", views.delivery_resend, name="webhook-delivery-resend"),
]
