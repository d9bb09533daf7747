"""Optional Akismet: an organization's own Akismet key gives a second opinion on public posts,
and its moderators' decisions are reported back (submit-spam / submit-ham).

Through the ``akismet`` package (its ``SyncClient``), over an httpx client that goes through
Sayso's one outbound door (``sayso.core.outbound``: address policy, size and time limits) and
answers for ``SAYSO_AKISMET_URL`` (default ``https://rest.akismet.com``; tests point it at a
local server that speaks Akismet's REST API). A check waits at most
``SAYSO_AKISMET_TIMEOUT_SECONDS`` (default 2): Akismet slow, down or refusing the key never
blocks a post, which then gets Sayso's verdict alone (logged, and shown on the filter page).

Sayso keeps no poster's IP address, which Akismet's API asks for: it sends ``0.0.0.0`` (and the
post's text, type, author name and link), so Akismet judges the content, not the address.
"""

from __future__ import annotations

import logging
from typing import Any

import akismet
import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sayso.core import outbound
from sayso.core.encryption import SecretUnreadable, seal, unseal
from sayso.core.models import Organization
from sayso.intelligence.models import AkismetSetting, SpamDecision, SpamLabel

log = logging.getLogger(__name__)

DEFAULT_URL = "https://rest.akismet.com"
NO_ADDRESS = "0.0.0.0"  # noqa: S104 (sent to Akismet in place of an address Sayso never keeps)
# Akismet's comment types for what Sayso screens.
COMMENT_TYPES = {
    "comment": "comment",
    "answer": "reply",
    "idea": "forum-post",
    "question": "forum-post",
    "review": "comment",
    "message": "contact-form",
    "mention": "comment",
}


def _base_url() -> str:
    return str(getattr(settings, "SAYSO_AKISMET_URL", "") or DEFAULT_URL).rstrip("/")


def _timeout() -> float:
    return float(getattr(settings, "SAYSO_AKISMET_TIMEOUT_SECONDS", 2) or 2)


class _Rebased(httpx.BaseTransport):
    """Sends the package's requests for rest.akismet.com to ``SAYSO_AKISMET_URL``."""

    def __init__(self, inner: httpx.BaseTransport, base: str) -> None:
        self.inner = inner
        self.base = httpx.URL(base)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.host == httpx.URL(DEFAULT_URL).host:
            request.url = url.copy_with(
                scheme=self.base.scheme,
                host=self.base.host,
                port=self.base.port,
                path=self.base.path.rstrip("/") + url.path,
            )
            request.headers["Host"] = self.base.netloc.decode("ascii")
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _client(
    setting: AkismetSetting | None = None, *, key: str = "", blog_url: str = ""
) -> tuple[Any, httpx.Client]:
    """An Akismet client, and the httpx client under it (ours to close)."""
    if setting is not None:
        key, blog_url = unseal(setting.api_key), setting.blog_url
    http = httpx.Client(
        transport=_Rebased(outbound.Transport(), _base_url()),
        timeout=_timeout(),
        headers={"User-Agent": f"Sayso | {akismet.USER_AGENT}"},
        trust_env=False,
        follow_redirects=False,
    )
    return akismet.SyncClient(config=akismet.Config(key=key, url=blog_url), http_client=http), http


def akismet_setting_get(*, organization: Organization) -> AkismetSetting | None:
    return AkismetSetting.objects.filter(organization=organization).first()


def akismet_enabled(*, organization_id: int) -> bool:
    return AkismetSetting.objects.filter(organization_id=organization_id, enabled=True).exists()


@transaction.atomic
def akismet_setting_save(
    *, organization: Organization, api_key: str, blog_url: str, enabled: bool = True
) -> AkismetSetting:
    """Set (or change) the organization's Akismet key and blog URL after Akismet accepted
    them (verify-key); an empty key keeps the one stored."""
    api_key = (api_key or "").strip()
    blog_url = (blog_url or "").strip()
    if not blog_url.startswith(("http://", "https://")):
        raise ValidationError({"blog_url": "Give the site's address, starting with https://."})
    existing = akismet_setting_get(organization=organization)
    if not api_key:
        if existing is None:
            raise ValidationError({"api_key": "Give your Akismet API key."})
        try:
            api_key = unseal(existing.api_key)
        except SecretUnreadable as exc:
            raise ValidationError({"api_key": str(exc)}) from None
    client, http = _client(key=api_key, blog_url=blog_url)
    try:
        valid = client.verify_key(api_key, blog_url)
    except akismet.AkismetError as exc:
        raise ValidationError(
            f"Akismet could not be reached to check the key ({exc}); try again later."
        ) from None
    finally:
        http.close()
    if not valid:
        raise ValidationError({"api_key": "Akismet does not accept this key for this site."})
    setting, _ = AkismetSetting.objects.update_or_create(
        organization=organization,
        defaults={
            "api_key": seal(api_key),
            "blog_url": blog_url,
            "enabled": enabled,
            "last_error": "",
            "last_error_at": None,
        },
    )
    return setting


def akismet_setting_delete(*, organization: Organization) -> bool:
    deleted, _ = AkismetSetting.objects.filter(organization=organization).delete()
    return bool(deleted)


def _failed(setting: AkismetSetting, what: str, exc: BaseException) -> None:
    message = f"{what}: {exc}"[:300]
    log.warning("Akismet of organization %s: %s", setting.organization_id, message)
    AkismetSetting.objects.filter(pk=setting.pk).update(
        last_error=message, last_error_at=timezone.now()
    )


def akismet_check(
    *, organization_id: int, text: str, author: str = "", kind: str = "comment", url: str = ""
) -> bool:
    """Akismet's comment-check: True when Akismet says spam. False when it says not spam, when
    the organization does not use Akismet, and when Akismet fails or is slow (logged)."""
    setting = AkismetSetting.objects.filter(organization_id=organization_id, enabled=True).first()
    if setting is None:
        return False
    try:
        client, http = _client(setting)
    except SecretUnreadable as exc:
        _failed(setting, "the stored key cannot be read", exc)
        return False
    try:
        verdict = client.comment_check(
            NO_ADDRESS,
            comment_content=text,
            comment_type=COMMENT_TYPES.get(kind, "comment"),
            comment_author=author,
            permalink=_absolute(url),
        )
    except (akismet.AkismetError, httpx.HTTPError, outbound.OutboundError) as exc:
        _failed(setting, "comment-check failed; the post got Sayso's verdict alone", exc)
        return False
    finally:
        http.close()
    return bool(verdict)


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return str(getattr(settings, "SAYSO_BASE_URL", "")).rstrip("/") + url


def akismet_report(*, decision_id: int) -> str:
    """Tell Akismet a moderator's decision (submit-spam or submit-ham), once per label: the
    task's work. Raises on a failure so that the task is tried again later."""
    decision = SpamDecision.objects.filter(pk=decision_id).first()
    if decision is None:
        return "gone"
    if decision.reported_label == decision.label:
        return "already reported"
    setting = AkismetSetting.objects.filter(
        organization_id=decision.organization_id, enabled=True
    ).first()
    if setting is None:
        return "no Akismet"
    client, http = _client(setting)
    arguments: dict[str, Any] = {
        "comment_content": decision.text,
        "comment_type": COMMENT_TYPES.get(decision.kind, "comment"),
        "comment_author": decision.author_name,
        "permalink": _absolute(decision.url),
    }
    try:
        if decision.label == SpamLabel.SPAM:
            client.submit_spam(NO_ADDRESS, **arguments)
        else:
            client.submit_ham(NO_ADDRESS, **arguments)
    except (akismet.AkismetError, httpx.HTTPError, outbound.OutboundError) as exc:
        _failed(setting, f"submit-{decision.label} failed (tried again later)", exc)
        raise
    finally:
        http.close()
    SpamDecision.objects.filter(pk=decision.pk, label=decision.label).update(
        reported_label=decision.label
    )
    return f"submitted {decision.label}"
