"""Forms of the listening staff pages: they parse and show errors; services validate."""

from __future__ import annotations

from typing import Any

from django import forms

from sayso.conversations.models import Channel, Priority
from sayso.core.models import Organization, Team
from sayso.intelligence.models import INTENT_LABELS, Sentiment
from sayso.listening.models import Source, SourceKind, TermKind

UNUSED_BY_KIND: dict[str, tuple[str, ...]] = {
    SourceKind.RSS: ("queries", "account", "credential", "clear_credential", "allowed_origins"),
    SourceKind.MASTODON: ("allowed_origins",),
    SourceKind.BLUESKY: ("allowed_origins",),
    SourceKind.WIDGET: (
        "url",
        "queries",
        "account",
        "credential",
        "clear_credential",
        "poll_interval_seconds",
    ),
}


class SourceForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=SourceKind.choices)
    url = forms.CharField(
        max_length=500,
        required=False,
        label="Address",
        help_text="The feed's URL; the Mastodon server (https://mastodon.social); the Bluesky "
        "service (https://public.api.bsky.app, or your PDS to read mentions).",
    )
    queries = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Follow",
        help_text="Mastodon and Bluesky: hashtags (#haulright) or words, one a line.",
    )
    account = forms.CharField(
        max_length=200,
        required=False,
        label="Your account there",
        help_text="For mentions: @you@mastodon.social or you.bsky.social.",
    )
    # Write-only: never filled in from the stored value (render_value=False); left empty, the
    # stored credential stays.
    credential = forms.CharField(
        max_length=1000,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        label="Access token or app password",
        help_text="Mastodon: an access token; Bluesky: an app password. Stored encrypted and "
        "never shown again; leave empty to keep the one already set.",
    )
    clear_credential = forms.BooleanField(required=False, label="Remove the stored credential")
    allowed_origins = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Allowed sites",
        help_text="Widget: the sites that may show it, one origin a line (https://www.example.com).",
    )
    poll_interval_seconds = forms.IntegerField(
        min_value=60, initial=300, label="Poll every (seconds)"
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, source: Source | None = None, **kwargs: Any) -> None:
        if source is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(source, name)
                for name in (
                    "name",
                    "kind",
                    "url",
                    "queries",
                    "account",
                    "allowed_origins",
                    "poll_interval_seconds",
                    "enabled",
                )
            }
        super().__init__(*args, **kwargs)
        if source is not None:
            self.fields["kind"].disabled = True
            # A source's own settings only: what its kind does not use is not shown.
            for name in UNUSED_BY_KIND.get(source.kind, ()):
                del self.fields[name]
            if "credential" in self.fields and source.has_credential:
                self.fields["credential"].help_text = (
                    f"Set ({source.credential_masked}). Leave empty to keep it; type a new one "
                    "to replace it."
                )
            elif "clear_credential" in self.fields:
                del self.fields["clear_credential"]
        else:
            del self.fields["clear_credential"]


class TermForm(forms.Form):
    kind = forms.ChoiceField(choices=TermKind.choices)
    term = forms.CharField(max_length=120)


def _choices(pairs: list[tuple[str, str]], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *pairs]


class RuleForm(forms.Form):
    name = forms.CharField(max_length=120)
    position = forms.IntegerField(min_value=0, initial=0, label="Order")
    intent = forms.ChoiceField(required=False)
    sentiment = forms.ChoiceField(required=False)
    keyword = forms.CharField(max_length=120, required=False)
    source = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    priority = forms.ChoiceField(required=False)
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self._choices = {
            name: field
            for name, field in self.fields.items()
            if isinstance(field, forms.ChoiceField)
        }
        self._choices["intent"].choices = _choices(list(INTENT_LABELS.items()), "any intent")
        self._choices["sentiment"].choices = _choices(list(Sentiment.choices), "any sentiment")
        self._choices["channel"].choices = _choices(list(Channel.choices), "any channel")
        self._choices["priority"].choices = _choices(list(Priority.choices), "keep the priority")
        self._choices["source"].choices = _choices(
            [(str(s.pk), s.name) for s in Source.objects.filter(organization=organization)],
            "any source",
        )
        self._choices["team"].choices = _choices(
            [(str(t.pk), t.name) for t in Team.objects.filter(organization=organization)],
            "no team",
        )

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        source = data.pop("source") or ""
        team = data.pop("team") or ""
        data["source"] = (
            Source.objects.filter(organization=self.organization, pk=int(source)).first()
            if source.isdigit()
            else None
        )
        data["team"] = (
            Team.objects.filter(organization=self.organization, pk=int(team)).first()
            if team.isdigit()
            else None
        )
        return data
