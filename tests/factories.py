import functools

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import City, User


@functools.cache
def _hashed(password: str) -> str:
    """A real PBKDF2 hash (the production hasher, a third of a second of CPU), made once per password.

    Fans made by the factory share it, so the suite does not spend minutes hashing the same password.
    """
    return make_password(password)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"fan{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.Sequence(lambda n: f"粉丝{n}")
    city = factory.LazyFunction(lambda: City.objects.get(slug="shenzhen"))
    password = factory.django.Password("correct-horse-battery", transform=_hashed)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        if create and user.email:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
