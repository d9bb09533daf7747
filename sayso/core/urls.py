from django.contrib.auth import views as auth_views
from django.urls import path

from sayso.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "staff/login/",
        auth_views.LoginView.as_view(
            template_name="core/login.html", redirect_authenticated_user=True
        ),
        name="staff-login",
    ),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="staff-logout"),
    path("staff/", views.staff_home, name="staff-home"),
    path("staff/<slug:org>/settings/tokens/", views.api_tokens, name="api-tokens"),
    path(
        "staff/<slug:org>/settings/tokens/<int:pk>/revoke/",
        views.api_token_revoke,
        name="api-token-revoke",
    ),
]
