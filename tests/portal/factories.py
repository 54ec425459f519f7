import datetime as dt

import factory
from factory.django import DjangoModelFactory

from portal.constants import AccountType, AgencyLevel, IdentitySource, UnitLevel
from portal.models import AdministrativeUnit, Agency, Organisation, User

PASSWORD = "Demo@2026"


class AdministrativeUnitFactory(DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{90000 + n}")
    name = factory.Sequence(lambda n: f"Phường Thử Nghiệm {n}")
    level = UnitLevel.COMMUNE


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"000.00.{n % 100:02d}.H{32 + n // 100:02d}")
    name = factory.Sequence(lambda n: f"Sở Thử Nghiệm {n}")
    short_name = factory.Sequence(lambda n: f"STN{n}")
    level = AgencyLevel.PROVINCE
    administrative_unit = factory.SubFactory(AdministrativeUnitFactory)
    has_one_stop_desk = True


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="vi_VN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.vn")
    account_type = AccountType.OFFICER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CitizenFactory(UserFactory):
    class Params:
        unverified = factory.Trait(identity_verified_at=None, identity_source="")

    account_type = AccountType.CITIZEN
    cccd = factory.Sequence(lambda n: f"0560900{n:05d}")
    username = factory.LazyAttribute(lambda u: u.cccd)
    # A citizen who signed in with VNeID once; `unverified=True` for a password-only registration.
    identity_verified_at = dt.datetime(2025, 1, 2, 8, 0, tzinfo=dt.UTC)
    identity_source = IdentitySource.NATIONAL_SSO
    phone = "0905123456"
    address = "12 Trần Phú, phường Nha Trang, tỉnh Khánh Hòa"


def officer_in(agency: Agency, role: str, **fields) -> User:
    """An officer holding `role` in `agency`, built through the service that assigns roles."""
    from portal.services import officer_assign

    user = UserFactory(**fields)
    officer_assign(user=user, agency=agency, role=role)
    return user


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    tax_code = "4201234566"
    name = "Công ty TNHH Thử Nghiệm"
