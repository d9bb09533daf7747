from django.urls import path

from sayso.conversations import portal_views

urlpatterns = [
    path("", portal_views.portal_home, name="portal-home"),
    path("signin/", portal_views.signin, name="portal-signin"),
    path("signin/<str:token>/", portal_views.signin_confirm, name="portal-signin-confirm"),
    path("confirm/<str:token>/", portal_views.claim_confirm, name="portal-claim-confirm"),
    path("signout/", portal_views.signout, name="portal-signout"),
    path("profile/", portal_views.profile, name="portal-profile"),
    path("cases/", portal_views.my_cases, name="portal-cases"),
    path("cases/new/", portal_views.case_new, name="portal-case-new"),
    path("cases/<int:number>/", portal_views.case_detail, name="portal-case"),
]
