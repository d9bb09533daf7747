"""Public pages of the idea board, under ``/o/<org>/``."""

from django.urls import path

from sayso.community import feeds, question_feeds, question_views, views

urlpatterns = [
    path("questions/", question_views.question_list, name="questions"),
    path("questions/new/", question_views.question_new, name="question-new"),
    path("questions/similar/", question_views.question_similar, name="question-similar"),
    path("questions/follow/", question_views.questions_follow, name="questions-follow"),
    path("questions/feed/", question_feeds.QuestionsFeed(), name="questions-feed"),
    path("questions/<int:number>/feed/", question_feeds.QuestionFeed(), name="question-feed"),
    path("questions/<int:number>/", question_views.question_detail, name="question-detail"),
    path("questions/<int:number>/answers/", question_views.answer_post, name="answer-post"),
    path("questions/<int:number>/me-too/", question_views.me_too, name="question-me-too"),
    path("questions/<int:number>/follow/", question_views.question_follow, name="question-follow"),
    path("questions/<int:number>/edit/", question_views.question_edit, name="question-edit"),
    path("questions/<int:number>/delete/", question_views.question_delete, name="question-delete"),
    path("questions/<int:number>/flag/", question_views.question_flag, name="question-flag"),
    path("questions/<int:number>/close/", question_views.question_close, name="question-close"),
    path(
        "questions/<int:number>/moderate/",
        question_views.question_moderate,
        name="question-moderate",
    ),
    path("questions/<int:number>/links/", question_views.question_link, name="question-link"),
    path("answers/<int:pk>/vote/", question_views.answer_vote, name="answer-vote"),
    path("answers/<int:pk>/accept/", question_views.answer_accept, name="answer-accept"),
    path("answers/<int:pk>/delete/", question_views.answer_delete, name="answer-delete"),
    path("people/visibility/", question_views.visibility, name="community-visibility"),
    path("people/<int:pk>/", question_views.profile, name="community-profile"),
    path("people/<int:pk>/follow/", question_views.profile_follow, name="community-profile-follow"),
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

staff_question_urlpatterns = [
    path("", question_views.staff_queue, name="question-queue"),
]
