from datetime import timedelta

import factory
from django.utils import timezone

from memorials.models import Invitation, Membership, Memorial, Role
from memorials.selectors import invitation_token_hash
from tests.accounts.factories import UserFactory


class MemorialFactory(factory.django.DjangoModelFactory):
    """A memorial with its subject's membership, as `memorial_create` makes it."""

    class Meta:
        model = Memorial
        skip_postgeneration_save = True

    name = factory.Faker("name")
    subject = factory.SubFactory(UserFactory)
    membership = factory.RelatedFactory(
        "tests.memorials.factories.MembershipFactory",
        factory_related_name="memorial",
        user=factory.SelfAttribute("..subject"),
        role=Role.SUBJECT,
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    memorial = factory.SubFactory(MemorialFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.FAMILY


class InvitationFactory(factory.django.DjangoModelFactory):
    """`token` is the raw token (what the emailed link holds); only its hash is stored."""

    class Meta:
        model = Invitation
        exclude = ["token"]

    token = factory.Sequence(lambda n: f"token-{n}-abcdefghijklmnop")
    memorial = factory.SubFactory(MemorialFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.FAMILY
    invited_by = factory.SelfAttribute("memorial.subject")
    token_hash = factory.LazyAttribute(lambda o: invitation_token_hash(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
