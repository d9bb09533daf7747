"""Public pages of the community (ideas, Q&A, reviews, following, moderation), under
``/o/<org>/``, and the staff queues."""

from django.urls import path

from sayso.community import views
from sayso.community.following import views as following_views
from sayso.community.ideas import feeds
from sayso.community.ideas import views as idea_views
from sayso.community.qa import feeds as question_feeds
from sayso.community.qa import views as question_views
from sayso.community.reviews import feeds as review_feeds
from sayso.community.reviews import views as review_views

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
    path("ideas/", idea_views.board, name="idea-board"),
    path("ideas/new/", idea_views.idea_new, name="idea-new"),
    path("ideas/similar/", idea_views.similar, name="idea-similar"),
    path("ideas/feed/", feeds.BoardFeed(), name="idea-board-feed"),
    path("ideas/follow/", idea_views.board_follow, name="idea-board-follow"),
    path("ideas/<int:number>/", idea_views.idea_detail, name="idea-detail"),
    path("ideas/<int:number>/feed/", feeds.IdeaFeed(), name="idea-feed"),
    path("ideas/<int:number>/follow/", idea_views.idea_follow, name="idea-follow"),
    path("following/", following_views.following_settings, name="following"),
    path("unsubscribe/<str:token>/", following_views.unsubscribe, name="unsubscribe"),
    path("ideas/<int:number>/vote/", idea_views.idea_vote, name="idea-vote"),
    path("ideas/<int:number>/comments/", idea_views.comment_post, name="idea-comment"),
    path("ideas/<int:number>/edit/", idea_views.idea_edit, name="idea-edit"),
    path("ideas/<int:number>/delete/", idea_views.idea_delete, name="idea-delete"),
    path("ideas/<int:number>/flag/", idea_views.flag, name="idea-flag"),
    path("ideas/<int:number>/status/", idea_views.idea_status, name="idea-status"),
    path("ideas/<int:number>/respond/", idea_views.idea_respond, name="idea-respond"),
    path("ideas/<int:number>/merge/", idea_views.idea_merge, name="idea-merge"),
    path("ideas/<int:number>/hide/", idea_views.idea_hide, name="idea-hide"),
    path("ideas/<int:number>/restore/", idea_views.idea_restore, name="idea-restore"),
    path("comments/<int:pk>/hide/", idea_views.comment_hide, name="comment-hide"),
    path("comments/<int:pk>/restore/", idea_views.comment_restore, name="comment-restore"),
    path("moderation/", views.moderation_log, name="moderation-log"),
    path("report/", views.report, name="report"),
    path("reviews/", review_views.reviews_page, name="reviews"),
    path("reviews/feed/", review_feeds.ReviewFeed(), name="reviews-feed"),
    path("reviews/<int:pk>/reply/", review_views.review_reply, name="review-reply"),
    path("reviews/<int:pk>/hide/", review_views.review_hide, name="review-hide"),
    path("reviews/<int:pk>/restore/", review_views.review_restore, name="review-restore"),
    path("reviews/<int:pk>/follow/", review_views.review_follow, name="review-follow"),
    path("reviews/<int:pk>/feed/", review_feeds.ReviewThreadFeed(), name="review-feed"),
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
