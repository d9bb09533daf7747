"""Every new message is analyzed once in the background and the analysis is stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sayso.conversations import services
from sayso.conversations.models import Channel
from sayso.intelligence.analysis import model_version
from sayso.intelligence.models import MessageAnalysis
from sayso.intelligence.tasks import analyze_message
from tests import factories

pytestmark = pytest.mark.django_db


def receive(org: Any, customer: Any, body: str, **extra: Any) -> Any:
    message, _ = services.message_receive(
        organization=org, customer=customer, channel=Channel.WEB, body=body, **extra
    )
    return message


def test_a_new_message_is_analyzed_after_commit(
    org: Any, customer: Any, run_on_commit: Any
) -> None:
    with run_on_commit(execute=True):
        message = receive(org, customer, "Third time my truck is late. This is ridiculous.")

    analysis = MessageAnalysis.objects.get(message=message)
    assert analysis.organization_id == org.pk
    assert analysis.sentiment == "negative"
    assert "complaint" in analysis.intents
    assert analysis.is_spam is False
    assert analysis.language == "en"
    assert analysis.model_version == model_version()


def test_running_the_task_twice_stores_one_analysis(org: Any, customer: Any) -> None:
    message = receive(org, customer, "Do you rent trailers by the hour?")

    first = analyze_message.call(message.pk)
    stored = MessageAnalysis.objects.get(message=message)
    second = analyze_message.call(message.pk)

    assert (first, second) == (True, False)
    assert MessageAnalysis.objects.filter(message=message).count() == 1
    assert MessageAnalysis.objects.get(message=message).analyzed_at == stored.analyzed_at


def test_an_outdated_analysis_is_redone(org: Any, customer: Any) -> None:
    message = receive(org, customer, "Do you rent trailers by the hour?")
    analyze_message.call(message.pk)
    MessageAnalysis.objects.filter(message=message).update(model_version="old")

    assert analyze_message.call(message.pk) is True
    assert MessageAnalysis.objects.get(message=message).model_version == model_version()


def test_a_missing_message_is_skipped(db: Any) -> None:
    assert analyze_message.call(999_999) is False


def test_the_same_customer_repeating_a_message_is_a_duplicate(org: Any, customer: Any) -> None:
    text = "My reservation for next Saturday disappeared from the app, please check booking 5521."
    first = receive(org, customer, text)
    second = receive(org, customer, text + "!!")
    analyze_message.call(first.pk)
    analyze_message.call(second.pk)

    analysis = MessageAnalysis.objects.get(message=second)
    assert analysis.duplicate_of_id == first.pk
    assert analysis.duplicate_kind == "exact"
    assert f"same text as message #{first.pk}" in analysis.reasons
    assert MessageAnalysis.objects.get(message=first).duplicate_of_id is None


def test_the_same_customer_saying_it_again_in_other_words_within_days_is_a_duplicate(
    org: Any, customer: Any
) -> None:
    now = timezone.now()
    first = receive(
        org,
        customer,
        "My reservation for the 20ft truck on Saturday vanished from the app overnight.",
        sent_at=now - timedelta(days=10),
    )
    again = receive(
        org,
        customer,
        "Overnight my Saturday booking of the 20ft truck disappeared from the app.",
        sent_at=now - timedelta(days=9, hours=22),
    )
    much_later = receive(
        org,
        customer,
        "Overnight my Saturday booking of the 20ft truck is gone from the app.",
        sent_at=now,
    )
    for message in (first, again, much_later):
        analyze_message.call(message.pk)

    analysis = MessageAnalysis.objects.get(message=again)
    assert (analysis.duplicate_of_id, analysis.duplicate_kind) == (first.pk, "meaning")
    # Nine days on, the same words are a new message, not a repeat of the first one.
    late = MessageAnalysis.objects.get(message=much_later)
    assert late.duplicate_of_id != first.pk


def test_a_copy_of_another_customers_message_is_spam(org: Any, customer: Any) -> None:
    text = "Your Riverside team helped us move my grandmother's piano without a scratch. Thank you!"
    first = receive(org, customer, text)
    copier = factories.make_customer(org, "Best Movers Deals", "deals@movers.test")
    second = receive(org, copier, text)
    analyze_message.call(second.pk)

    analysis = MessageAnalysis.objects.get(message=second)
    assert analysis.duplicate_of_id == first.pk
    assert analysis.is_spam
    assert f"copies message #{first.pk} by another author" in analysis.reasons


def test_another_organizations_message_is_never_a_duplicate(
    org: Any, other_org: Any, customer: Any
) -> None:
    text = "My reservation for next Saturday disappeared from the app, please check booking 5521."
    receive(org, customer, text)
    theirs = receive(other_org, factories.make_customer(other_org), text)
    analyze_message.call(theirs.pk)

    assert MessageAnalysis.objects.get(message=theirs).duplicate_of_id is None


def test_each_text_is_embedded_once_for_analysis_and_index(
    org: Any, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The analysis stores the message's vector in the similar-item index (the index task then
    embeds nothing), and reads earlier messages' vectors from the index."""
    from sayso.intelligence import embeddings
    from sayso.intelligence.models import EmbeddedItem
    from sayso.intelligence.tasks import index_item

    embedded: list[str] = []
    real_embed = embeddings.embed
    real_encode = embeddings.encode

    def counting_embed(texts: Any, *args: Any, **kwargs: Any) -> Any:
        embedded.extend(texts)
        return real_embed(texts, *args, **kwargs)

    def counting_encode(texts: Any, *args: Any, vectors: Any = True, **kwargs: Any) -> Any:
        # Only texts whose sentence vectors are computed count (features alone are half
        # the encoder, and the analysis needs them for every message).
        wanted = [vectors] * len(texts) if isinstance(vectors, bool) else list(vectors)
        embedded.extend(t for t, w in zip(texts, wanted, strict=True) if w)
        return real_encode(texts, *args, vectors=vectors, **kwargs)

    monkeypatch.setattr(embeddings, "embed", counting_embed)
    monkeypatch.setattr(embeddings, "encode", counting_encode)
    first = receive(org, customer, "My truck was late again this morning.")
    analyze_message.call(first.pk)
    assert embedded == ["My truck was late again this morning."]
    assert EmbeddedItem.objects.live().filter(kind="message", object_id=first.pk).exists()
    assert index_item.call(org.pk, "message", first.pk) == "unchanged"
    second = receive(org, customer, "And the trailer hitch was broken too.")
    analyze_message.call(second.pk)
    assert embedded == [
        "My truck was late again this morning.",
        "And the trailer hitch was broken too.",
    ]
