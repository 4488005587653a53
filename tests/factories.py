"""factory_boy factories for the portal's core objects."""

from decimal import Decimal

import factory

from cameras.models import Camera
from portal.models import Agency, AgencyKind, City, PolicyPreset, User
from portal.roles import Role

PASSWORD = "correct-horse-battery-staple"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n} Police Department")
    kind = AgencyKind.LOCAL
    state = "WA"


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    slug = factory.Sequence(lambda n: f"city-{n}")
    name = factory.Sequence(lambda n: f"City {n}")
    state = "WA"
    policy_preset = PolicyPreset.WASHINGTON
    retention_days = 21
    own_agency = factory.SubFactory(AgencyFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def city_user(city: City, role: Role = Role.OFFICER, **kwargs) -> User:
    return UserFactory(city=city, agency=city.own_agency, role=role, **kwargs)


def partner_user(agency: Agency | None = None, **kwargs) -> User:
    return UserFactory(city=None, agency=agency or AgencyFactory(), role=Role.PARTNER, **kwargs)


class CameraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Camera

    @classmethod
    def _get_manager(cls, model_class):
        return model_class.all_cities

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"Camera {n}")
    latitude = Decimal("47.300000")
    longitude = Decimal("-122.200000")
