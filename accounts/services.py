"""Changes a person makes to their own account."""

from __future__ import annotations

import uuid

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import models, transaction
from django.db.models import ProtectedError

from accounts.models import User
from accounts.selectors import time_zone_known


def user_settings_update(*, user: User, full_name: str, time_zone: str) -> User:
    """The name they are shown by and the time zone every time is shown in. Both are checked
    by the form (core.names; a known zone, or "" for the site's)."""
    if time_zone and not time_zone_known(time_zone):
        raise ValueError(f"unknown time zone {time_zone!r}")
    user.full_name = full_name
    user.time_zone = time_zone
    user.save(update_fields=["full_name", "time_zone"])
    return user


def user_time_zone_detect(*, user: User, time_zone: str) -> bool:
    """What their browser reported, kept only while they have none and only a zone this
    machine knows; a zone they chose themselves is never replaced. True when it was kept."""
    if not time_zone_known(time_zone):
        return False
    updated = User.objects.filter(pk=user.pk, time_zone="").update(time_zone=time_zone)
    if updated:
        user.time_zone = time_zone
    return bool(updated)


def _cascading_rows_delete(user: User) -> None:
    """What deleting the row would have deleted with it (its CASCADE relations, in whichever
    app they live), for an account that is emptied rather than deleted."""
    for relation in User._meta.related_objects:
        related = relation.related_model
        if getattr(relation, "on_delete", None) is not models.CASCADE:
            continue
        if isinstance(related, type) and issubclass(related, models.Model) and related is not User:
            related._default_manager.filter(**{relation.field.name: user}).delete()


def account_close(*, user: User) -> bool:
    """Delete the person's account, with everything that belongs only to them (memberships,
    conversations, memories: their rows cascade). When a row must keep pointing at them (the
    tombstone of a memorial they were the subject of, whose certificate is kept), the
    account is emptied instead: no name, no address anyone can reach, no password, no
    second factor, never able to sign in again. Returns True when the row was deleted.

    Memorials they are the subject of are erased through the kill switch before this, by
    the caller (memorials.erasure.account), which says so to the person first."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).delete()
            return True
        except ProtectedError:
            pass
        _cascading_rows_delete(user)
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        user.email = f"closed-{uuid.uuid4().hex}@closed.invalid"
        user.full_name = ""
        user.country = ""
        user.time_zone = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.set_unusable_password()
        user.save()
        return False
