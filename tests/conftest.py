import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests import factories
from tests.profiles import PROFILE  # noqa: F401 - importing it loads the Hypothesis profile

#: Real WFP/HDX price files, kept in the repository (see tests/data/README.md).
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing is slow by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _password_alone_signs_in(settings):
    # The suite runs with DEBUG off, where REQUIRE_TWO_FACTOR defaults to on; the pages'
    # tests sign operators in with a password, and tests/telecentre/test_two_factor.py
    # turns the requirement back on to test it.
    settings.REQUIRE_TWO_FACTOR = False


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Production settings use the manifest storage, which needs collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _default_language():
    # A request with Accept-Language leaves its language active in the thread; the next
    # test must start in the default one, as a new request would.
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters and other cached state must not leak from one test to the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _spool_redis_tried_again(monkeypatch):
    # A spool Redis one test found unreachable must be dialled again by the next.
    from sms_gateway import spool

    monkeypatch.setitem(spool._down_until, "at", 0.0)


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
def belarus_service(settings):
    """A service whose currency is the one WFP's Belarus files are priced in: prices in
    another currency than the service's are held and compared with nothing."""
    settings.AGRIPRICES_CURRENCY = "BYR"


@pytest.fixture
def wfp_file(belarus_service) -> Path:
    return DATA / "wfp_food_prices_blr.csv"


@pytest.fixture
def wfp_hxl_file(belarus_service) -> Path:
    return DATA / "hxl-2025" / "wfp_food_prices_blr.csv"


@pytest.fixture
def celery_worker_on_redis(transactional_db):
    """A real Celery worker thread consuming from a real Redis broker.

    Skipped unless AGRIPRICES_TEST_REDIS_URL names a Redis database the tests may flush
    (CI sets it). Tasks must see committed data, hence the transactional database.
    """
    url = os.environ.get("AGRIPRICES_TEST_REDIS_URL")
    if not url:
        pytest.skip("set AGRIPRICES_TEST_REDIS_URL=redis://127.0.0.1:6379/15 to run")
    import redis
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    def reconnect(**conf: object) -> None:
        app.conf.update(conf)
        # Celery caches the result backend and the producer pool on first use; an eager
        # task earlier in the session built them from the in-process settings.
        # Celery 5.7 has no public way to drop them, so clear both of its caches.
        app._backend_cache = None
        vars(app._local).pop("backend", None)
        app._after_fork()

    redis.Redis.from_url(url).flushdb()
    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    reconnect(broker_url=url, result_backend=url, task_always_eager=False)
    try:
        with start_worker(
            app,
            perform_ping_check=False,
            pool="solo",
            shutdown_timeout=30,
            # The queues the deployment's workers consume (see CELERY_TASK_ROUTES).
            queues=["celery", "sms-replies", "sms-bulk"],
        ):
            yield app
    finally:
        reconnect(**saved)
        redis.Redis.from_url(url).flushdb()
