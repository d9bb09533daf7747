"""Staff URLs of the listening app, under /staff/<org>/listening/."""

from __future__ import annotations

from django.urls import path

from sayso.listening import views

urlpatterns = [
    path("", views.mention_list, name="mention-list"),
    path("mentions/<int:pk>/open-case/", views.mention_open_case, name="mention-open-case"),
    path("sources/", views.source_list, name="source-list"),
    path("sources/new/", views.source_new, name="source-new"),
    path("sources/<int:pk>/", views.source_detail, name="source-detail"),
    path("sources/<int:pk>/test/", views.source_test, name="source-test"),
    path("sources/<int:pk>/poll/", views.source_poll, name="source-poll"),
    path("sources/<int:pk>/delete/", views.source_delete, name="source-delete"),
    path("terms/", views.term_list, name="term-list"),
    path("terms/<int:pk>/remove/", views.term_remove, name="term-remove"),
    path("rules/", views.rule_list, name="rule-list"),
    path("rules/<int:pk>/", views.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
]
