"""The firm's API tokens for its practice software: made by the owner (the token shown once,
only its sha256 kept), revoked at once, and checked on every API call with a per-token rate
limit counted in Redis."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.tokens import token_hash, token_new
from firms.models import ApiScope, Firm, FirmApiToken
from firms.trail import firm_audit_record

TOKEN_PREFIX = "lfa_"  # tells a leaked token for what it is (secret scanners, logs)
RATE_WINDOW_S = 60


class ApiTokenError(Exception):
    """Why a token cannot be made; the message is shown as it is."""


@dataclass(frozen=True)
class RateVerdict:
    allowed: bool
    retry_after_s: int  # seconds until the window ends (0 when allowed)


def api_token_hash(token: str) -> str:
    return token_hash(token)


def api_token_create(
    *, firm: Firm, actor: User, name: str, scopes: list[str]
) -> tuple[FirmApiToken, str]:
    """A new token for `firm` with `scopes` (ApiScope values, at least one). Returns the row
    and the token itself, which is never stored and cannot be shown again. Audited
    "firm.api_token_created"."""
    name = " ".join((name or "").split())[:80]
    if not name:
        raise ApiTokenError("Give the token a name, such as the software it is for.")
    chosen = sorted(set(scopes))
    if not chosen:
        raise ApiTokenError("Choose at least one thing the token may do.")
    unknown = [scope for scope in chosen if scope not in ApiScope.values]
    if unknown:
        raise ApiTokenError(f"Unknown scope: {', '.join(unknown)}.")
    token = token_new(prefix=TOKEN_PREFIX)
    with transaction.atomic():
        row = FirmApiToken.objects.create(
            firm=firm,
            name=name,
            prefix=token[:12],
            token_hash=api_token_hash(token),
            scopes=chosen,
            created_by=actor,
        )
        firm_audit_record(
            firm=firm,
            action="firm.api_token_created",
            actor=actor,
            data={"token": row.pk, "prefix": row.prefix, "scopes": chosen},
        )
    return row, token


def api_token_revoke(*, firm: Firm, actor: User, token_id: int) -> FirmApiToken:
    """Revoke one of `firm`'s tokens: every call with it fails from this commit on. Audited
    "firm.api_token_revoked" (once: revoking again changes nothing)."""
    with transaction.atomic():
        row = FirmApiToken.objects.select_for_update().get(firm=firm, pk=token_id)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
            firm_audit_record(
                firm=firm,
                action="firm.api_token_revoked",
                actor=actor,
                data={"token": row.pk, "prefix": row.prefix},
            )
    return row


def api_token_authenticate(*, token: str) -> FirmApiToken | None:
    """The live token row for `token` (its firm joined in), or None when it is unknown,
    revoked, or its firm closed. Notes `last_used_at`."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        FirmApiToken.objects.select_related("firm", "created_by")
        .filter(
            token_hash=api_token_hash(token),
            revoked_at__isnull=True,
            firm__closed_at__isnull=True,
        )
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    # At most one write a minute per token: a busy integration does not write every call.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() >= 60:
        FirmApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def api_rate_take(*, token: FirmApiToken, now: float | None = None) -> RateVerdict:
    """Count one call of `token` in the current fixed one-minute window (Redis INCR on the
    window's own key, with an EXPIRE so old windows go); refused past
    LEGACY_FIRM_API_RATE_PER_MINUTE, until the window ends."""
    now = time.time() if now is None else now
    window = int(now // RATE_WINDOW_S)
    # Keyed on part of the hash, not the row id: ids start again in each test database.
    key = f"legacy:firm-api-rate:{token.token_hash[:24]}:{window}"
    pipe = _redis().pipeline()
    pipe.incr(key)
    pipe.expire(key, RATE_WINDOW_S + 5)  # (EXPIRE NX needs Redis 7; the key is the window's)
    count, _ = pipe.execute()
    if int(count) <= settings.LEGACY_FIRM_API_RATE_PER_MINUTE:
        return RateVerdict(allowed=True, retry_after_s=0)
    retry_after = max(1, int((window + 1) * RATE_WINDOW_S - now + 0.999))
    return RateVerdict(allowed=False, retry_after_s=retry_after)
