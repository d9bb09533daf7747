from django.urls import path

from sayso.notifications import views

urlpatterns = [
    path("", views.alert_list, name="alert-list"),
    path("read/", views.alerts_read, name="alerts-read"),
]
