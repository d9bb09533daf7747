"""Staff URLs of the spam filter, under /staff/<org>/spam-filter/."""

from __future__ import annotations

from django.urls import path

from sayso.intelligence import views

urlpatterns = [
    path("", views.spam_filter, name="spam-filter"),
    path("retrain/", views.spam_filter_retrain, name="spam-filter-retrain"),
    path("rollback/", views.spam_filter_rollback, name="spam-filter-rollback"),
    path("release/", views.spam_filter_release, name="spam-filter-release"),
    path("mark/", views.spam_filter_mark, name="spam-filter-mark"),
    path("akismet/", views.spam_filter_akismet, name="spam-filter-akismet"),
]
