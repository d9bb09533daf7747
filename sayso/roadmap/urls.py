"""Public pages of the roadmap and the changelog, under ``/o/<org>/``."""

from django.urls import path

from sayso.roadmap import feeds, views

urlpatterns = [
    path("roadmap/", views.roadmap, name="roadmap"),
    path("roadmap/items/", views.roadmap_item_create, name="roadmap-item-create"),
    path("roadmap/items/<int:pk>/", views.roadmap_item_move, name="roadmap-item-move"),
    path("roadmap/<int:pk>/", views.roadmap_item, name="roadmap-item"),
    path("roadmap/feed/", feeds.RoadmapFeed(), name="roadmap-feed"),
    path("roadmap/follow/", views.roadmap_follow, name="roadmap-follow"),
    path("changelog/", views.changelog, name="changelog"),
    path("changelog/feed/", feeds.ChangelogFeed(), name="changelog-feed"),
    path("changelog/new/", views.changelog_create, name="changelog-create"),
    path("changelog/follow/", views.changelog_follow, name="changelog-follow"),
    path("changelog/<int:pk>/", views.changelog_entry, name="changelog-entry"),
    path("changelog/<int:pk>/publish/", views.changelog_publish, name="changelog-publish"),
]
