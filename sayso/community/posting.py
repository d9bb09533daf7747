"""The public-post pipeline every kind of public text goes through (ideas, comments, questions,
answers, reviews): the spam screen."""

from __future__ import annotations

from sayso.customers.models import Customer, IdentityKind

# --- comments --------------------------------------------------------------------------------


def spam_reasons(text: str, author: Customer | None) -> list[str]:
    """The spam filter's reasons to hold ``text``, read with its author's name (the public
    one they chose, else the name they gave) and blog or site link: a product, shop or
    keyword name is a spam signal of its own."""
    from sayso.intelligence.analysis.pipeline import Item, analyze

    name = url = ""
    if author is not None:
        name = author.public_name if author.public_name_chosen_at else author.display_name
        links = author.identities.filter(kind=IdentityKind.URL).values_list("value", flat=True)
        url = links.first() or ""
    item = Item(
        text=text,
        author=name,
        author_url=url,
        author_id=f"customer:{author.pk}" if author else "",
    )
    result = analyze([item])[0]
    if not result.is_spam:
        return []
    spam_reasons = [r for r in result.reasons if "spam" in r.lower() or "link" in r.lower()]
    return spam_reasons or result.reasons or ["looks like spam"]


def screened(organization_id: int, text: str, author: Customer | None, kind: str) -> list[str]:
    """The base model's reasons to hold a post, with the organization's own filter (what its
    moderators taught it) and Akismet, where it uses Akismet."""
    from sayso.intelligence.analysis.spam_feedback import screen

    return screen(
        organization_id=organization_id,
        text=text,
        author=author,
        base=spam_reasons(text, author),
        kind=kind,
    )
