from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests import factories

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Production settings use the manifest storage, which needs collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def days_ago(today):
    return lambda n: today - timedelta(days=n)


@pytest.fixture
def kg(db):
    return factories.unit("kg")


@pytest.fixture
def potatoes(kg):
    return factories.CommodityFactory(name="Potatoes", base_unit=kg)


@pytest.fixture
def osh(db):
    return factories.MarketFactory(name="Osh")


@pytest.fixture
def bishkek(db):
    return factories.MarketFactory(name="Bishkek")


@pytest.fixture
def agent(osh):
    return factories.agent(markets=[osh])


@pytest.fixture
def operator(db):
    return factories.operator()


@pytest.fixture
def wfp_file() -> Path:
    path = SHARED_DATA / "wfp_food_prices_blr.csv"
    if not path.exists():
        pytest.fail(f"the shared WFP sample is missing: {path}")
    return path


@pytest.fixture
def wfp_hxl_file() -> Path:
    return SHARED_DATA / "hxl-2025" / "wfp_food_prices_blr.csv"
