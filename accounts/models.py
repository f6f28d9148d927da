"""People. Email is the login; there is no username."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.names import name_clean


def short_name(*, full_name: str, email: str) -> str:
    """How a person is called for short: their first name, else their email address."""
    return full_name.split(" ")[0] if full_name else email


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    # ISO 3166-1 alpha-2, for crisis resources in the right country ("" : not told yet).
    country = models.CharField(max_length=2, blank=True)
    # An IANA time zone name ("Europe/London"), in which every time is shown to them ("":
    # not known yet; the site's own). Detected by their browser, correctable in settings.
    time_zone = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        """Every form of the User (the admin's too): a full name is one line of sensible
        length (core.names)."""
        super().clean()
        if self.full_name:
            try:
                self.full_name = name_clean(self.full_name, label="The full name")
            except ValidationError as error:
                raise ValidationError({"full_name": error.messages}) from None

    def get_short_name(self) -> str:
        return short_name(full_name=self.full_name, email=self.email)
