"""Test data. Units come from the real unit parser so tests use the units files do."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from agriprices.models import AgentProfile, Commodity, Market, PriceType, Quote, Region, Unit
from agriprices.names import make_slug
from agriprices.roles import MARKET_AGENTS, OPERATORS, ensure_role_groups
from agriprices.units import parse_unit_label
from agriprices.validation import price_per_base_unit
from sms_gateway.models import OutboundMessage, Subscriber, Subscription
from telecentre.models import Bulletin


def unit(label: str) -> Unit:
    spec = parse_unit_label(label)
    obj, _ = Unit.objects.get_or_create(
        code=spec.code,
        defaults={
            "name": spec.name,
            "dimension": spec.dimension,
            "base_quantity": spec.base_quantity,
        },
    )
    return obj


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.LazyAttribute(lambda o: make_slug(o.name))


class CommodityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commodity
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Commodity {n}")
    slug = factory.LazyAttribute(lambda o: make_slug(o.name))
    category = "cereals and tubers"
    base_unit = factory.LazyFunction(lambda: unit("kg"))


class MarketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Market
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Market {n}")
    slug = factory.LazyAttribute(lambda o: make_slug(o.name))
    region = factory.SubFactory(
        RegionFactory, name=factory.LazyAttribute(lambda o: f"{o.factory_parent.name} Region")
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw")


def agent(*, markets=(), username=None) -> object:
    ensure_role_groups()
    user = UserFactory(**({"username": username} if username else {}))
    user.save()
    user.groups.add(Group.objects.get(name=MARKET_AGENTS))
    profile, _ = AgentProfile.objects.get_or_create(user=user)
    profile.markets.add(*markets)
    return user


def operator(username=None) -> object:
    ensure_role_groups()
    user = UserFactory(**({"username": username} if username else {}), is_staff=True)
    user.save()
    user.groups.add(Group.objects.get(name=OPERATORS))
    return user


class QuoteFactory(factory.django.DjangoModelFactory):
    """A stored quote that bypasses the services, for read-side tests only."""

    class Meta:
        model = Quote

    commodity = factory.SubFactory(CommodityFactory)
    market = factory.SubFactory(MarketFactory)
    unit = factory.LazyAttribute(lambda o: o.commodity.base_unit)
    price = Decimal("10")
    currency = "KGS"
    price_type = PriceType.RETAIL
    observed_on = factory.LazyFunction(timezone.localdate)
    source = Quote.Source.IMPORT
    status = Quote.Status.APPROVED
    price_per_base_unit = factory.LazyAttribute(
        lambda o: price_per_base_unit(
            o.price, o.unit.base_quantity, o.commodity.base_unit.base_quantity
        )
    )


# --- SMS ---------------------------------------------------------------------------------


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscriber

    phone = factory.Sequence(lambda n: f"+996555{n:06d}")


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    subscriber = factory.SubFactory(SubscriberFactory)
    commodity = factory.SubFactory(CommodityFactory)
    market = factory.SubFactory(MarketFactory)


class OutboundMessageFactory(factory.django.DjangoModelFactory):
    """A message queued to send, as outbound.queue_sms stores it (without publishing)."""

    class Meta:
        model = OutboundMessage

    to = factory.Sequence(lambda n: f"+996700{n:06d}")
    body = "Frost tonight: cover seedlings."
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")


# --- The dashboard -----------------------------------------------------------------------


class BulletinFactory(factory.django.DjangoModelFactory):
    """A draft bulletin (published_at empty)."""

    class Meta:
        model = Bulletin

    title = factory.Sequence(lambda n: f"Bulletin {n}")
    body = "Frost expected tonight in the valleys: cover seedlings."
    category = Bulletin.Category.NOTICE
    language = "en"
