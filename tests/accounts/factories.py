import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from accounts.models import User

PASSWORD = "a calm and long passphrase"

# A code is taken only in its own period (allauth allows no tolerance): one made in the last
# seconds of a period may reach the server in the next and be refused.
TOTP_MARGIN_SECONDS = 5


def totp_code_now(secret: str) -> str:
    """The authenticator's code for `secret`, made with at least TOTP_MARGIN_SECONDS of its
    period left (waiting for the next period when fewer are)."""
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < TOTP_MARGIN_SECONDS:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


class UserFactory(factory.django.DjangoModelFactory):
    """A signed-up person whose email address is confirmed, as allauth leaves them."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)
