from django.contrib.auth import views as auth_views
from django.urls import path

from sayso.core import dead_letter_views, health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", health.health, name="health"),
    path(
        "staff/login/",
        auth_views.LoginView.as_view(
            template_name="core/login.html", redirect_authenticated_user=True
        ),
        name="staff-login",
    ),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="staff-logout"),
    path("staff/", views.staff_home, name="staff-home"),
    path(
        "staff/password-reset/",
        views.StaffPasswordResetView.as_view(
            template_name="core/password_reset_form.html",
            email_template_name="core/password_reset_email.txt",
            subject_template_name="core/password_reset_subject.txt",
            success_url="/staff/password-reset/sent/",
        ),
        name="staff-password-reset",
    ),
    path(
        "staff/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="core/password_reset_done.html"),
        name="staff-password-reset-done",
    ),
    path(
        "staff/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="core/password_reset_confirm.html",
            success_url="/staff/reset/done/",
        ),
        name="staff-password-reset-confirm",
    ),
    path(
        "staff/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="core/password_reset_complete.html"
        ),
        name="staff-password-reset-complete",
    ),
    path("staff/<slug:org>/settings/members/", views.members, name="members"),
    path(
        "staff/<slug:org>/settings/members/<int:pk>/",
        views.member_update,
        name="member-update",
    ),
    path("staff/<slug:org>/settings/tokens/", views.api_tokens, name="api-tokens"),
    path(
        "staff/<slug:org>/settings/tokens/<int:pk>/revoke/",
        views.api_token_revoke,
        name="api-token-revoke",
    ),
    path("staff/<slug:org>/tasks/dead/", dead_letter_views.dead_letters, name="dead-letters"),
    path(
        "staff/<slug:org>/tasks/dead/<int:pk>/retry/",
        dead_letter_views.dead_letter_retry,
        name="dead-letter-retry",
    ),
]
