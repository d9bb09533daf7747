"""The community's models, one module per part (``ideas``, ``qa``, ``reviews``,
``moderation``, ``following``), all in the ``community`` app: the app label, the table names and
the migrations are the same as when they lived in one module. Import them from here."""

from sayso.community.models.common import (
    BODY_MAX,
    COMMENT_MAX,
    REASON_MAX,
    TITLE_MAX,
    CommentState,
    exactly_one,
)
from sayso.community.models.following import Delivery, Follow, FollowSettings, Notice
from sayso.community.models.ideas import Category, Comment, Idea, IdeaStatus, IdeaStatusChange, Vote
from sayso.community.models.moderation import Flag, ModerationAction, ModerationEntry
from sayso.community.models.qa import (
    Answer,
    AnswerVote,
    CommunityProfile,
    MeToo,
    Question,
    QuestionLink,
    QuestionState,
    Tag,
)
from sayso.community.models.reviews import Product, Review

__all__ = [
    "BODY_MAX",
    "COMMENT_MAX",
    "REASON_MAX",
    "TITLE_MAX",
    "Answer",
    "AnswerVote",
    "Category",
    "Comment",
    "CommentState",
    "CommunityProfile",
    "Delivery",
    "Flag",
    "Follow",
    "FollowSettings",
    "Idea",
    "IdeaStatus",
    "IdeaStatusChange",
    "MeToo",
    "ModerationAction",
    "ModerationEntry",
    "Notice",
    "Product",
    "Question",
    "QuestionLink",
    "QuestionState",
    "Review",
    "Tag",
    "Vote",
    "exactly_one",
]
