"""Fixtures for wishes, activation, inactivity and sunset tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from memorials.activation.keys import activation_key_issue
from memorials.activation.requests import activation_start
from memorials.models import Role
from tests.memorials.factories import MembershipFactory, MemorialFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"certificate of death " * 200


def certificate_upload(content: bytes = PDF, name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Certificates land in a directory of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ACTIVATION_NOTICE_HOURS = 72
    return settings.MEDIA_ROOT


@pytest.fixture
def memorial():
    return MemorialFactory()


@pytest.fixture
def steward(memorial):
    return MembershipFactory(memorial=memorial, role=Role.STEWARD).user


@pytest.fixture
def second_steward(memorial, steward):
    return MembershipFactory(memorial=memorial, role=Role.STEWARD).user


@pytest.fixture
def family(memorial):
    return MembershipFactory(memorial=memorial, role=Role.FAMILY).user


@pytest.fixture
def steward_key(memorial, steward):
    return activation_key_issue(memorial=memorial, steward=steward)


@pytest.fixture
def pending(memorial, steward, steward_key, django_capture_on_commit_callbacks):
    """A pending activation, started by `steward` three days and one hour ago."""
    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        return activation_start(
            memorial=memorial,
            steward=steward,
            key=steward_key,
            certificate=certificate_upload(),
            now=timezone.now() - timedelta(hours=73),
        )
