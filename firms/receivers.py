"""What keeps the firm clients' status columns current: after each change that moves them
(a consent signed or withdrawn, writing added or removed, a twin build ready, an activation
request made or decided, the plan), a refresh of that memorial's firm clients once the
change commits (`firms.status.client_status_refresh_on_commit`). Connected in
`FirmsConfig.ready`. Each receiver reads only the memorial's id from what it is given.
A memorial's state changes (sealed, opened while living, closed, activated) are seen on the
memorial's save when it names its state among the fields saved (`memorial_transition` does,
and is the only way a state changes); other memorial saves ask for nothing. Each refresh is
of that memorial's one client row, once per transaction, after it commits."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from billing.models import Subscription
from consent.models import ConsentRecord
from consent.signals import consent_revoked
from corpus.signals import corpus_changed
from firms.models import FirmClient
from firms.signals import client_joined
from firms.status import client_status_refresh_for_memorial, client_status_refresh_on_commit
from memorials.models import ActivationRequest, Memorial
from twins.models import BuildStatus, TwinVersion


def _changed(update_fields: Any, field: str) -> bool:
    return update_fields is None or field in update_fields


def on_consent_saved(sender: Any, instance: ConsentRecord, **kwargs: Any) -> None:
    client_status_refresh_on_commit(memorial_id=instance.memorial_id)


def on_consent_revoked(sender: Any, memorial_id: Any, **kwargs: Any) -> None:
    client_status_refresh_on_commit(memorial_id=memorial_id)


def on_corpus_changed(sender: Any, memorial_id: Any, **kwargs: Any) -> None:
    client_status_refresh_on_commit(memorial_id=memorial_id)


def on_twin_version_saved(
    sender: Any, instance: TwinVersion, update_fields: Any = None, **kwargs: Any
) -> None:
    # A build's progress saves often; only a build becoming ready moves the status.
    if instance.status == BuildStatus.READY and _changed(update_fields, "status"):
        client_status_refresh_on_commit(twin_id=instance.twin_id)


def on_activation_request_saved(sender: Any, instance: ActivationRequest, **kwargs: Any) -> None:
    client_status_refresh_on_commit(memorial_id=instance.memorial_id)


def on_memorial_saved(
    sender: Any, instance: Memorial, update_fields: Any = None, **kwargs: Any
) -> None:
    if update_fields is not None and "state" in update_fields:
        client_status_refresh_on_commit(memorial_id=instance.pk)


def on_subscription_saved(sender: Any, instance: Subscription, **kwargs: Any) -> None:
    client_status_refresh_on_commit(memorial_id=instance.memorial_id)


def on_client_joined(sender: Any, client: FirmClient, **kwargs: Any) -> None:
    # Sent after the accept committed: the new memorial's plan and state are read at once.
    if client.memorial_id is not None:
        client_status_refresh_for_memorial(memorial_id=client.memorial_id)


def receivers_connect() -> None:
    uid = "firms.status"
    post_save.connect(on_consent_saved, sender=ConsentRecord, dispatch_uid=f"{uid}.consent")
    consent_revoked.connect(on_consent_revoked, dispatch_uid=f"{uid}.consent_revoked")
    corpus_changed.connect(on_corpus_changed, dispatch_uid=f"{uid}.corpus")
    post_save.connect(on_twin_version_saved, sender=TwinVersion, dispatch_uid=f"{uid}.twin")
    post_save.connect(
        on_activation_request_saved, sender=ActivationRequest, dispatch_uid=f"{uid}.activation"
    )
    post_save.connect(on_memorial_saved, sender=Memorial, dispatch_uid=f"{uid}.memorial_state")
    post_save.connect(on_subscription_saved, sender=Subscription, dispatch_uid=f"{uid}.plan")
    client_joined.connect(on_client_joined, dispatch_uid=f"{uid}.joined")
