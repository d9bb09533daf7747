"""A spam wave of a kind the base spam model does not know (self-promotion of a video channel
with no link and none of the phrases it knows, varied wording) and the genuine comments of a
board around it. Shared by the web, API and browser tests of moderators teaching the filter."""

from __future__ import annotations

from typing import Any

from sayso.community import ideas
from tests import factories

# What a moderator marks as spam (five of them). The base model knows "check out my channel"
# and "subscribe to me"; this wave says neither.
FIRST_WAVE = [
    "Hey guys, I make videos about trucking life, would love for you to watch them",
    "I do cooking videos every week, search for Chef Danny if you are into that",
    "I film car repairs in my garage every week, look up Garage Tom on YouTube",
    "I film fishing trips every weekend and put them on YouTube, look up Lake Life Ben",
    "Hi all, I do gaming videos on YouTube now, search for PixelPete, would mean a lot",
]
# The wave goes on, in other words.
NEXT_WAVE = [
    "Hey everyone, I make videos about road trips, search Highway Hank on YouTube",
    "I bake bread on video twice a week, look up Bread with Bella on YouTube",
    "New here, I do videos about fixing bikes, search for Spoke Sam on YouTube",
    "I make funny cat videos, look up Whisker Walt on YouTube, you will love them",
    "Hi guys, I film travel vlogs every week, search for Wander Wes, would mean a lot",
]
# The board's normal traffic, and genuine comments that arrive during the wave.
GENUINE = [
    "Dark mode would really help our night dispatchers.",
    "+1, we run 40 trucks and the drivers book late in the evening.",
    "Could the dark theme follow the phone's system setting?",
    "Please let us export the route history as CSV.",
    "The mobile app logs me out every morning, annoying.",
    "We would use this every day, our warehouse is open at night.",
    "Any news on this? It has been planned for a while.",
    "Our depot in Denver would love this before winter.",
]
GENUINE_DURING_WAVE = [
    "I watched your onboarding videos last week, very helpful for new drivers.",
    "Our drivers watch your YouTube tutorials, could you make one about the export?",
    "This is the third time the booking page crashed on me today. Fix it.",
    "Same here, the night shift needs this badly.",
]


def board(org: Any) -> tuple[Any, list[Any]]:
    """An idea with the board's normal traffic on it; returns (idea, people)."""
    people = [
        factories.make_customer(org, f"Driver {i}", f"d{i}@{org.slug}.example")
        for i in range(len(GENUINE))
    ]
    idea, _ = ideas.idea_post(organization=org, author=people[0], title="Dark mode please")
    for person, text in zip(people, GENUINE, strict=True):
        comment, _ = ideas.comment_post(idea=idea, author=person, body=text)
        assert comment.state == "visible", text
    return idea, people


def spammers(org: Any, n: int, start: int = 0) -> list[Any]:
    return [
        factories.make_customer(org, f"Channel {i}", f"c{i}@spam-{org.slug}.example")
        for i in range(start, start + n)
    ]
