"""A case page's messages rendered in Python (``{% message_items %}``) are the markup the
template loop they replace gave, for every kind of message: authors, channels, notes, public
replies, heard-by-listening badges, delivery states, the analysis's badges, and escaping."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from sayso.conversations import services
from sayso.conversations.models import Channel, Message
from sayso.conversations.selectors import case_messages
from sayso.intelligence.models import MessageAnalysis
from tests import factories

# The loop of conversations/case_detail.html before it became {% message_items %}.
TEMPLATE_LOOP = """{% for m in messages_list %}
    <li class="message {{ m.direction }} vis-{{ m.visibility }}" id="message-{{ m.pk }}">
      <div class="message-head">
        <strong>{% if m.author_user %}{{ m.author_user.get_full_name|default:m.author_user.username }}{% elif m.author_identity %}{{ case.customer.display_name }} &lt;{{ m.author_identity.value }}&gt;{% else %}{{ case.customer.display_name }}{% endif %}</strong>
        <span class="chan">{{ m.get_channel_display }}</span>
        {% if m.visibility == "internal" %}<span class="badge badge-note">Internal note</span>{% elif m.visibility == "public" %}<span class="badge">Public</span>{% endif %}
        <time datetime="{{ m.sent_at|date:'c' }}">{{ m.sent_at|date:"M j, Y H:i" }}</time>
        {% with heard=m.headers.listening %}{% if heard %}{% if heard.same_problem %}<span class="badge badge-same" title="Matched to this case by meaning ({{ heard.similarity }})">Same problem, new channel</span>{% endif %} <span class="muted small">heard on {{ heard.source }}{% if heard.url %} · <a href="{{ heard.url }}" rel="noopener nofollow" target="_blank">original</a>{% endif %}</span>{% endif %}{% endwith %}
        {% if m.direction == "outbound" and m.channel == "email" %}{% if m.delivered_at %}<span class="muted">emailed</span>{% elif m.delivery_error %}<span class="error">not delivered: {{ m.delivery_error }}</span>{% else %}<span class="muted">sending…</span>{% endif %}{% endif %}
      </div>
      <div class="message-body">{{ m.body|linebreaksbr }}</div>
      {% if m.direction == "inbound" %}{% with a=m.analysis %}{% if a %}
      <div class="analysis" aria-label="What Sayso read in this message">
        <span class="badge sentiment-{{ a.sentiment }}" title="sentiment score {{ a.sentiment_score|floatformat:2 }}">{{ a.get_sentiment_display }}</span>
        {% for intent in a.intent_labels %}<span class="badge">{{ intent }}</span>{% endfor %}
        {% if a.is_spam %}<span class="badge badge-alert">Spam {{ a.spam|floatformat:2 }}</span>{% endif %}
        {% if a.duplicate_of_id %}<a class="badge" href="#message-{{ a.duplicate_of_id }}">Repeats message {{ a.duplicate_of_id }}</a>{% endif %}
        {% if a.language and a.language != "en" %}<span class="badge">{{ a.language }}</span>{% endif %}
        {% if a.reasons %}<span class="muted small">{{ a.reasons|join:"; " }}</span>{% endif %}
      </div>
      {% endif %}{% endwith %}{% endif %}
    </li>
  {% endfor %}
"""


def _normalized(html: str) -> str:
    html = re.sub(r"\s+", " ", html)
    return re.sub(r">\s+<", "><", html).strip()


def _render_both(case: Any) -> tuple[str, str]:
    messages = list(case_messages(case=case))
    context = Context({"messages_list": messages, "case": case})
    old = Template(TEMPLATE_LOOP).render(context)
    new = Template("{% load case_messages %}{% message_items messages_list case %}").render(context)
    return _normalized(old), _normalized(new)


@pytest.mark.django_db
def test_every_kind_of_message_renders_as_the_template_did(org: Any, agent: Any) -> None:
    customer = factories.make_customer(org, name='Dana <b>"Whit" & Co</b>')
    case = factories.make_case(
        org, customer, subject="Truck", body='Line one\nLine <two> & "three"\n\nfour'
    )
    services.message_reply(case=case, author=agent, body="We will call you.")
    services.message_reply(case=case, author=agent, body="In public", visibility="public")
    services.message_note(case=case, author=agent, body="Internal: <script>x</script>")
    heard = factories.inbound(org, case, "Posted on my blog")
    heard.channel = Channel.RSS
    heard.headers = {
        "listening": {
            "source": "Dana's <blog>",
            "url": "https://blog.example/post?a=1&b=2",
            "same_problem": True,
            "similarity": 0.61,
        }
    }
    heard.save()
    failed = Message.objects.filter(case=case, direction="outbound").first()
    assert failed is not None
    Message.objects.filter(pk=failed.pk).update(
        channel=Channel.EMAIL, delivery_error="550 <mailbox> unavailable", delivered_at=None
    )
    Message.objects.filter(case=case, direction="outbound").exclude(pk=failed.pk).update(
        channel=Channel.EMAIL, delivered_at=timezone.now()
    )
    first = case.messages.order_by("id").first()
    assert first is not None
    MessageAnalysis.objects.create(
        organization=org,
        message=first,
        sentiment="negative",
        sentiment_score=-0.4567,
        intents=["complaint", "question", "other"],
        spam=0.925,
        is_spam=True,
        language="de",
        duplicate_of=heard,
        duplicate_kind="near",
        reasons=["links to a <pharmacy> site", "same text as #3"],
        model_version="test",
        analyzed_at=timezone.now(),
    )
    MessageAnalysis.objects.create(
        organization=org,
        message=heard,
        sentiment="positive",
        sentiment_score=0.5,
        intents=[],
        model_version="test",
        analyzed_at=timezone.now(),
    )
    old, new = _render_both(case)
    assert "Line one<br>Line &lt;two&gt; &amp; &quot;three&quot;<br><br>four" in new
    assert "&lt;script&gt;" in new and "<script>" not in new
    assert "badge badge-same" in new and "not delivered: 550 &lt;mailbox&gt;" in new
    assert "Spam 0.93" in new and "Repeats message" in new
    assert new == old


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "America/Denver", "Asia/Kolkata"])
def test_times_follow_the_time_zone_and_language(org: Any, zone: str) -> None:
    case = factories.make_case(org, body="Hello")
    Message.objects.filter(case=case).update(
        sent_at=timezone.now().replace(month=3, day=29, hour=1, minute=30) - timedelta(days=1)
    )
    with timezone.override(zone), translation.override("de"):
        old, new = _render_both(case)
    assert new == old
