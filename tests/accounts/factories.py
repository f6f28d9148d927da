import factory
from allauth.account.models import EmailAddress

from accounts.models import User

PASSWORD = "a calm and long passphrase"


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
