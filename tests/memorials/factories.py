from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from accounts.models import User
from core.crypto import memorial_cipher
from memorials.models import AgeGroup, Invitation, Membership, Memorial, Role
from memorials.selectors import invitation_token_hash
from memorials.services import memorial_create
from tests.accounts.factories import UserFactory


class MemorialFactory(factory.django.DjangoModelFactory):
    """A memorial made by `memorial_create` (its key, its encrypted name, its subject's
    membership), then given any other field passed (e.g. `state`)."""

    class Meta:
        model = Memorial

    name = factory.Faker("name")
    subject = factory.SubFactory(UserFactory)

    @classmethod
    def _create(
        cls, model_class: type[Memorial], *, name: str, subject: User, **fields: Any
    ) -> Memorial:
        memorial = memorial_create(subject=subject, name=name)
        if fields:
            for field, value in fields.items():
                setattr(memorial, field, value)
            memorial.save(update_fields=list(fields))
        return memorial


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    memorial = factory.SubFactory(MemorialFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.FAMILY
    age_group = AgeGroup.ADULT  # said at acceptance; tests of the other answers set it


class InvitationFactory(factory.django.DjangoModelFactory):
    """`token` is the raw token (what the emailed link holds); only its hash is stored."""

    class Meta:
        model = Invitation
        exclude = ["token", "email"]

    token = factory.Sequence(lambda n: f"token-{n}-abcdefghijklmnop")
    memorial = factory.SubFactory(MemorialFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    email_encrypted = factory.LazyAttribute(
        lambda o: Invitation.email_sealed(
            cipher=memorial_cipher(memorial_id=o.memorial.id), email=o.email
        )["email_encrypted"]
    )
    email_hash = factory.LazyAttribute(
        lambda o: Invitation.email_sealed(
            cipher=memorial_cipher(memorial_id=o.memorial.id), email=o.email
        )["email_hash"]
    )
    role = Role.FAMILY
    invited_by = factory.SelfAttribute("memorial.subject")
    token_hash = factory.LazyAttribute(lambda o: invitation_token_hash(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
