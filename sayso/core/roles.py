"""Which role may do what: the one table of staff actions and the least role each needs.

Staff roles rank agent < manager < admin (``core.models.Role``). A web view declares the
action it performs (``core.permissions.staff_required("case.reply")``, or
``customers.portal_session.portal_staff_required(request, "incident.manage")`` on a public
page), and so does every API operation (``api.auth.scoped(Scope.…, "case.reply")``); both ask
``may`` here, so the web and the API cannot disagree about an action. A page that shows more
to higher roles asks ``may`` too (``can_edit=may(request.membership, "rule.edit")``).

A new action is a row below; an action not in the table is a programming error
(``UnknownAction``), raised when the view or operation is declared, not when it is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sayso.core.models import Membership, Role

AGENT, MANAGER, ADMIN = Role.AGENT, Role.MANAGER, Role.ADMIN

ACTIONS: Mapping[str, Role] = MappingProxyType(
    {
        # --- core: the organization, its members and tokens, failed background work
        "api_token.manage": AGENT,  # one's own API tokens
        "member.manage": ADMIN,
        "dead_letter.manage": ADMIN,
        # --- customers and what they follow
        "customer.read": AGENT,
        "customer.write": AGENT,  # create, change, add an identity
        "customer.merge": AGENT,  # merge and unmerge
        "follow.read": AGENT,
        "follow.write": AGENT,
        # --- conversations: cases, messages, commitments, automated mail
        "case.read": AGENT,
        "case.open": AGENT,
        "case.reply": AGENT,
        "case.update": AGENT,  # status, team, assignee, handoff, a mail retried
        "commitment.read": AGENT,
        "commitment.write": AGENT,
        "analysis.run": AGENT,
        "inbound.email": AGENT,
        # --- notifications
        "alert.read": AGENT,
        "mail.manage": ADMIN,  # the outgoing mail queue
        # --- community: ideas, comments, reviews, questions and answers, moderation
        "idea.read": AGENT,
        "idea.write": AGENT,
        "idea.moderate": AGENT,  # status, response, merge, hide and restore
        "comment.moderate": AGENT,
        "moderation.read": AGENT,  # the queue and the log
        "review.read": AGENT,
        "review.reply": AGENT,
        "review.moderate": AGENT,
        "question.read": AGENT,
        "question.write": AGENT,
        "question.moderate": AGENT,  # hide, restore, close, reopen, answers too
        "answer.accept": AGENT,
        # --- roadmap and changelog
        "roadmap.edit": AGENT,
        # --- status page
        "status.read": AGENT,  # the status page, its components and incidents (API)
        "incident.manage": AGENT,  # incidents, their updates, cases and maintenance
        # A component's status is set by whoever handles incidents (opening one sets the
        # statuses of the components it affects); adding, renaming, moving, grouping and
        # removing components shapes the page, for managers. The same on the web and the API.
        "component.status": AGENT,
        "component.edit": MANAGER,
        # --- spam filter
        "spam.read": AGENT,
        "spam.decide": AGENT,  # release, mark, decisions
        "spam.train": AGENT,
        "spam.rollback": MANAGER,
        "spam.akismet": ADMIN,
        # --- listening
        "listening.read": AGENT,  # mentions, sources, terms, rules
        "mention.open_case": AGENT,
        "source.edit": ADMIN,  # add, change, test, poll, delete
        "term.edit": MANAGER,
        "rule.edit": MANAGER,
        # --- consent and outreach
        "consent.read": AGENT,
        "consent.record": AGENT,
        "consent.notice.publish": MANAGER,
        "outreach.read": AGENT,
        "outreach.send": AGENT,
        "campaign.send": MANAGER,
        # --- deals, intents, the selling process
        "deal.read": AGENT,
        "deal.write": AGENT,
        "offer.make": AGENT,
        "selling_process.edit": ADMIN,
        # --- privacy: export and erasure
        "privacy.manage": MANAGER,
        # --- webhooks
        "webhook.manage": ADMIN,
    }
)


class UnknownAction(LookupError):
    """An action that is not in ``ACTIONS``."""


def role_for(action: str) -> Role:
    """The least role that may do ``action``."""
    try:
        return ACTIONS[action]
    except KeyError:
        raise UnknownAction(f"{action!r} is not an action of sayso.core.roles.ACTIONS") from None


def may(membership: Membership | None, action: str) -> bool:
    """Whether ``membership`` (an active staff membership, or None) may do ``action``."""
    role = role_for(action)
    return membership is not None and membership.has_role(role)


def refusal(action: str) -> str:
    """The sentence a staff member refused ``action`` reads: "Only a manager can do this."."""
    return refusal_for(role_for(action))


def refusal_for(role: Role) -> str:
    label = Role(role).label.lower()
    article = "an" if label[0] in "aeiou" else "a"
    return f"Only {article} {label} can do this."
