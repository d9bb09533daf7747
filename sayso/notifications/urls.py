from django.urls import path

from sayso.notifications import views

urlpatterns = [
    path("", views.alert_list, name="alert-list"),
    path("read/", views.alerts_read, name="alerts-read"),
    # The organization's mail that failed or waits to be retried (admins).
    path("mail/", views.mail_list, name="mail-list"),
    path("mail/<int:pk>/retry/", views.mail_retry, name="mail-retry"),
]
