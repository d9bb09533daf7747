"""Routing rules: a new case from any channel gets a team and a priority from the first
enabled rule (in ``position`` order) whose conditions all hold. An empty condition holds
for everything."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sayso.conversations.models import Case
from sayso.conversations.services import case_route
from sayso.core.models import Organization
from sayso.listening.models import RoutingRule


def rule_matches(
    rule: RoutingRule,
    *,
    intents: Sequence[str],
    sentiment: str,
    text: str,
    source_id: int | None,
    channel: str,
) -> bool:
    if rule.intent and rule.intent not in intents:
        return False
    if rule.sentiment and rule.sentiment != sentiment:
        return False
    if rule.source_id and rule.source_id != source_id:
        return False
    if rule.channel and rule.channel != channel:
        return False
    return not (
        rule.keyword
        and not re.search(rf"(?<!\w){re.escape(rule.keyword)}(?!\w)", text, re.IGNORECASE)
    )


def rules_for(*, organization: Organization) -> list[RoutingRule]:
    return list(
        RoutingRule.objects.filter(organization=organization, enabled=True).select_related("team")
    )


def rule_for(
    rules: Sequence[RoutingRule],
    *,
    intents: Sequence[str],
    sentiment: str,
    text: str,
    source_id: int | None = None,
    channel: str = "",
) -> RoutingRule | None:
    for rule in rules:
        if rule_matches(
            rule,
            intents=intents,
            sentiment=sentiment,
            text=text,
            source_id=source_id,
            channel=channel,
        ):
            return rule
    return None


def case_apply_rule(*, case: Case, rule: RoutingRule) -> Case:
    return case_route(
        case=case, team=rule.team, priority=rule.priority, reason=f"routing rule “{rule.name}”"
    )


def message_route(*, message_id: int) -> RoutingRule | None:
    """Route the case a message from any channel opened (email, the API), once the message is
    analyzed: the same rules as for listened items. Does nothing when the message did not open
    its case, or the case already has a team and was already routed."""
    from sayso.conversations.selectors import message_opening_case
    from sayso.intelligence.analysis.store import message_analyze

    message = message_opening_case(message_id=message_id)
    if message is None:
        return None
    case = message.case
    analysis = message_analyze(message=message)
    rule = rule_for(
        rules_for(organization=message.organization),
        intents=analysis.intents,
        sentiment=analysis.sentiment,
        text=f"{message.subject}\n{message.body}",
        channel=message.channel,
    )
    if rule is not None:
        case_apply_rule(case=case, rule=rule)
    return rule
