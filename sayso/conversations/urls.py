from django.urls import path

from sayso.conversations import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("cases/<int:number>/", views.case_detail, name="case-detail"),
    path("cases/<int:number>/reply/", views.case_reply, name="case-reply"),
    path(
        "cases/<int:number>/messages/<int:message_id>/retry-email/",
        views.case_mail_retry,
        name="case-mail-retry",
    ),
    path("cases/<int:number>/update/", views.case_update, name="case-update"),
    path("cases/<int:number>/handoff/", views.case_handoff, name="case-handoff"),
    path("cases/<int:number>/commitments/", views.commitment_make, name="commitment-make"),
    path("commitments/", views.commitment_list, name="commitment-list"),
    path("automated-mail/", views.automated_mail_list, name="automated-mail-list"),
    path("commitments/<int:pk>/<str:action>/", views.commitment_close, name="commitment-close"),
]
