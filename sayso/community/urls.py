"""Public pages of the idea board, under ``/o/<org>/``."""

from django.urls import path

from sayso.community import feeds, views

urlpatterns = [
    path("ideas/", views.board, name="idea-board"),
    path("ideas/new/", views.idea_new, name="idea-new"),
    path("ideas/similar/", views.similar, name="idea-similar"),
    path("ideas/feed/", feeds.BoardFeed(), name="idea-board-feed"),
    path("ideas/follow/", views.board_follow, name="idea-board-follow"),
    path("ideas/<int:number>/", views.idea_detail, name="idea-detail"),
    path("ideas/<int:number>/feed/", feeds.IdeaFeed(), name="idea-feed"),
    path("ideas/<int:number>/follow/", views.idea_follow, name="idea-follow"),
    path("following/", views.following_settings, name="following"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("ideas/<int:number>/vote/", views.idea_vote, name="idea-vote"),
    path("ideas/<int:number>/comments/", views.comment_post, name="idea-comment"),
    path("ideas/<int:number>/edit/", views.idea_edit, name="idea-edit"),
    path("ideas/<int:number>/delete/", views.idea_delete, name="idea-delete"),
    path("ideas/<int:number>/flag/", views.flag, name="idea-flag"),
    path("ideas/<int:number>/status/", views.idea_status, name="idea-status"),
    path("ideas/<int:number>/respond/", views.idea_respond, name="idea-respond"),
    path("ideas/<int:number>/merge/", views.idea_merge, name="idea-merge"),
    path("ideas/<int:number>/hide/", views.idea_hide, name="idea-hide"),
    path("ideas/<int:number>/restore/", views.idea_restore, name="idea-restore"),
    path("comments/<int:pk>/hide/", views.comment_hide, name="comment-hide"),
    path("comments/<int:pk>/restore/", views.comment_restore, name="comment-restore"),
    path("moderation/", views.moderation_log, name="moderation-log"),
    path("report/", views.report, name="report"),
    path("reviews/", views.reviews_page, name="reviews"),
    path("reviews/feed/", feeds.ReviewFeed(), name="reviews-feed"),
    path("reviews/<int:pk>/reply/", views.review_reply, name="review-reply"),
    path("reviews/<int:pk>/hide/", views.review_hide, name="review-hide"),
    path("reviews/<int:pk>/restore/", views.review_restore, name="review-restore"),
    path("reviews/<int:pk>/follow/", views.review_follow, name="review-follow"),
    path("reviews/<int:pk>/feed/", feeds.ReviewThreadFeed(), name="review-feed"),
    path(
        "reviews/<int:pk>/comments/",
        views.thread_comment,
        {"kind": "review"},
        name="review-comment",
    ),
    path(
        "roadmap/<int:pk>/comments/",
        views.thread_comment,
        {"kind": "roadmap"},
        name="roadmap-item-comment",
    ),
    path(
        "changelog/<int:pk>/comments/",
        views.thread_comment,
        {"kind": "changelog"},
        name="changelog-entry-comment",
    ),
]

staff_urlpatterns = [
    path("", views.moderation_queue, name="moderation-queue"),
]
