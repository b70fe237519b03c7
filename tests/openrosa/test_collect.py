"""ODK Collect's side of the OpenRosa protocol, played against our endpoints: the
challenge, the form list, the form and its media, the submission as Collect sends it
(multipart, xml_submission_file), and every way a submission can go wrong."""

import base64
import copy
import hashlib
import uuid
from datetime import timedelta
from decimal import Decimal
from xml.etree import ElementTree as ET  # noqa: S405 - our own server's answers

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agriprices.models import Quote
from agriprices.services.series import rebuild_latest_prices
from openrosa import xform
from openrosa.models import Photo
from tests import factories

pytestmark = pytest.mark.django_db

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"
LIST = "http://openrosa.org/xforms/xformsList"
MANIFEST = "http://openrosa.org/xforms/xformsManifest"
RESPONSE = "http://openrosa.org/http/response"


class Collect:
    """What ODK Collect does, step by step, with one agent's settings."""

    def __init__(self, client, username="aibek", password="pw", language="en", key=None):
        """With ``key`` (a Collect key's token), as a phone set up by its QR code: the
        server URL carries the key and no password is sent."""
        self.client = client
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.auth = {} if key else {"HTTP_AUTHORIZATION": f"Basic {token}"}
        self.base = f"/openrosa/key/{key}" if key else "/openrosa"
        self.language = language

    def get(self, url, *, auth=True, secure=True):
        headers = {"HTTP_ACCEPT_LANGUAGE": self.language, "HTTP_X_OPENROSA_VERSION": "1.0"}
        return self.client.get(url, secure=secure, **headers, **(self.auth if auth else {}))

    def form_list(self):
        response = self.get(f"{self.base}/formList")
        assert response.status_code == 200, response.content
        root = ET.fromstring(response.content)  # noqa: S314
        assert root.tag == f"{{{LIST}}}xforms"
        return [
            {child.tag.split("}")[1]: child.text for child in form}
            for form in root.findall(f"{{{LIST}}}xform")
        ]

    def download(self, entry):
        form = self.get(entry["downloadUrl"])
        assert form.status_code == 200
        manifest = ET.fromstring(self.get(entry["manifestUrl"]).content)  # noqa: S314
        media = {}
        for item in manifest.findall(f"{{{MANIFEST}}}mediaFile"):
            fields = {child.tag.split("}")[1]: child.text for child in item}
            body = self.get(fields["downloadUrl"]).content
            assert fields["hash"] == "md5:" + hashlib.md5(body).hexdigest()  # noqa: S324
            media[fields["filename"]] = body.decode()
        assert entry["hash"] == "md5:" + hashlib.md5(form.content).hexdigest()  # noqa: S324
        return form.content, media

    def blank_form(self):
        """The form as Collect holds it after "Get blank form"."""
        form, _media = self.download(self.form_list()[0])
        return form

    def send(self, form, *, prices, market="osh", observed_on=None, instance_id=None):
        """Fill the form in and send it: (response, message)."""
        from django.utils import timezone

        day = observed_on or timezone.localdate().isoformat()
        instance = self.fill(
            form, market=market, observed_on=day, prices=prices, instance_id=instance_id
        )
        return self.submit(instance)

    @staticmethod
    def fill(
        form_xml, *, market, observed_on, prices, price_type="retail", instance_id=None, photo=""
    ):
        """The instance Collect saves: the form's blank instance, filled in."""
        html = ET.fromstring(form_xml)  # noqa: S314
        model = html.find(f"{{{H}}}head/{{{XF}}}model")
        blank = model.find(f"{{{XF}}}instance")[0]
        data = copy.deepcopy(blank)
        data.find(f"{{{XF}}}market").text = market
        data.find(f"{{{XF}}}observed_on").text = observed_on
        data.find(f"{{{XF}}}price_type").text = price_type
        data.find(f"{{{XF}}}photo").text = photo
        repeats = data.findall(f"{{{XF}}}prices")  # the template and the first, empty one
        template = repeats[0]
        at = list(data).index(template)
        for blank_item in repeats:
            data.remove(blank_item)
        for n, (commodity, unit, price) in enumerate(prices):
            item = copy.deepcopy(template)
            item.attrib.pop(f"{{{'http://openrosa.org/javarosa'}}}template", None)
            item.find(f"{{{XF}}}commodity").text = commodity
            item.find(f"{{{XF}}}unit").text = unit
            item.find(f"{{{XF}}}price").text = str(price)
            data.insert(at + n, item)
        data.find(f"{{{XF}}}meta/{{{XF}}}instanceID").text = instance_id or f"uuid:{uuid.uuid4()}"
        ET.register_namespace("", XF)
        return ET.tostring(data, encoding="utf-8", xml_declaration=True)

    def head_submission(self):
        return self.client.head(
            f"{self.base}/submission", secure=True, HTTP_ACCEPT_LANGUAGE=self.language, **self.auth
        )

    def submit(self, instance, *, photo=False):
        files = {
            "xml_submission_file": SimpleUploadedFile(
                "submission.xml", instance, content_type="text/xml"
            )
        }
        if photo:
            files["1701.jpg"] = SimpleUploadedFile("1701.jpg", b"\xff\xd8\xff", "image/jpeg")
        response = self.client.post(
            f"{self.base}/submission",
            files,
            secure=True,
            HTTP_ACCEPT_LANGUAGE=self.language,
            HTTP_X_OPENROSA_VERSION="1.0",
            **self.auth,
        )
        message = ""
        if response.content:
            root = ET.fromstring(response.content)  # noqa: S314
            message = root.find(f"{{{RESPONSE}}}message").text
        return response, message


def openrosa_headers_are_on(response):
    assert response["X-OpenRosa-Version"] == "1.0"
    assert response["Date"]


@pytest.mark.parametrize(
    "language, thanks",
    [
        ("en", "Thank you: 1 price recorded at Osh."),
        ("fr", "Merci : 1 prix enregistré à Osh."),
        ("ru", "Спасибо: записано цен: 1, рынок Osh."),
        ("ky", "Рахмат: Osh базарында 1 баа жазылды."),
    ],
)
def test_collect_from_form_download_to_submission(client, field, today, language, thanks):
    collect = Collect(client, language=language)
    challenge = collect.get("/openrosa/formList", auth=False)
    assert challenge.status_code == 401
    assert challenge["WWW-Authenticate"].startswith('Basic realm="AgriPrices"')
    openrosa_headers_are_on(challenge)

    (entry,) = collect.form_list()
    assert entry["formID"] == xform.FORM_ID and entry["version"].isdigit()
    assert entry["downloadUrl"].startswith("https://testserver/openrosa/forms/")
    form, media = collect.download(entry)
    html = ET.fromstring(form)  # noqa: S314
    assert html.tag == f"{{{H}}}html"
    languages = {t.get("lang") for t in html.iter(f"{{{XF}}}translation")}
    assert languages == {"English (en)", "French (fr)", "Russian (ru)", "Kyrgyz (ky)"}
    assert 'src="jr://file-csv/medians.csv"' in form.decode()
    assert "osh|potatoes|retail,30" in media["medians.csv"]
    # Only the agent's own market is offered.
    markets = form.decode().split('<instance id="market">')[1].split("</instance>")[0]
    assert "<name>osh</name>" in markets and "bishkek" not in markets

    head = collect.head_submission()
    assert head.status_code == 204
    assert int(head["X-OpenRosa-Accept-Content-Length"]) >= 1_000_000
    openrosa_headers_are_on(head)

    instance = collect.fill(
        form, market="osh", observed_on=today.isoformat(), prices=[("potatoes", "kg", 31)]
    )
    response, message = collect.submit(instance, photo=True)
    assert response.status_code == 201, message
    openrosa_headers_are_on(response)
    answer = ET.fromstring(response.content).find(f"{{{RESPONSE}}}message")  # noqa: S314
    assert answer.get("nature") == "submit_success"
    assert message == thanks
    quote = Quote.objects.get(source="collect")
    assert (quote.price, quote.agent.username, quote.status) == (Decimal(31), "aibek", "approved")
    assert quote.external_id.startswith("odk:uuid:")


def test_labels_come_in_every_language(client, field):
    collect = Collect(client)
    form = collect.blank_form()
    html = ET.fromstring(form)  # noqa: S314
    said = {t.get("lang"): "".join(t.itertext()) for t in html.iter(f"{{{XF}}}translation")}
    assert "Market" in said["English (en)"] and "Marché" in said["French (fr)"]
    assert "Рынок" in said["Russian (ru)"] and "Базар" in said["Kyrgyz (ky)"]


def test_units_are_named_in_the_phones_language(client, field):
    """As the dashboard names them: a Russian agent picks "кг", "мешок 50 кг"."""
    factories.unit("bag50kg")
    form = Collect(client).blank_form()
    html = ET.fromstring(form)  # noqa: S314
    said = {t.get("lang"): "".join(t.itertext()) for t in html.iter(f"{{{XF}}}translation")}
    assert "кг" in said["Russian (ru)"] and "мешок 50 кг" in said["Russian (ru)"]
    assert "kilogram" not in said["Russian (ru)"] and "kilogram" not in said["Kyrgyz (ky)"]
    assert "50 kg bag" in said["English (en)"]


@pytest.mark.parametrize(
    "language, said",
    [
        ("en", "Potatoes appears twice in this form."),
        ("fr", "Pommes de terre figure deux fois dans ce formulaire."),
        ("ru", "В этой форме дважды указано: Картофель."),
        ("ky", "Картошка бул формада эки жолу көрсөтүлгөн."),
    ],
)
def test_a_form_pricing_a_crop_twice_says_so_in_the_phones_language(
    client, field, today, potatoes, language, said
):
    potatoes.translations = {"fr": "Pommes de terre", "ru": "Картофель", "ky": "Картошка"}
    potatoes.save()
    collect = Collect(client, language=language)
    form = collect.blank_form()
    instance = collect.fill(
        form,
        market="osh",
        observed_on=today.isoformat(),
        prices=[("potatoes", "kg", 31), ("potatoes", "bag50kg", 1500)],
    )
    response, message = collect.submit(instance)
    # Before: "already recorded: 31 KGS/kg ... (quote N)", naming a quote never stored.
    assert (response.status_code, message) == (400, said)
    assert not Quote.objects.filter(source="collect").exists()


def test_a_form_restated_with_a_photo_keeps_no_second_photo(client, field, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    collect = Collect(client)
    form = collect.blank_form()
    for _ in range(3):  # filled again on new forms, each time with the photo
        instance = collect.fill(
            form,
            market="osh",
            observed_on=timezone.localdate().isoformat(),
            prices=[("potatoes", "kg", 31)],
            photo="1701.jpg",
        )
        response, _message = collect.submit(instance, photo=True)
        assert response.status_code == 201
    assert Quote.objects.filter(source="collect").count() == 1
    assert Photo.objects.count() == 1 and len(list(tmp_path.rglob("*.jpg"))) == 1


def test_a_price_restated_on_a_new_form_empties_the_outbox(client, field, today):
    """The agent filled the form again (a new instanceID) with the price already sent
    that day: "already recorded, nothing changed" (201), not a 400 that stays in
    Collect's outbox for ever."""
    collect = Collect(client)
    form = collect.blank_form()
    assert collect.send(form, prices=[("potatoes", "kg", 31)])[0].status_code == 201
    response, message = collect.send(form, prices=[("potatoes", "kg", "31.00")])
    assert (response.status_code, message) == (201, "Already received; nothing changed.")
    assert Quote.objects.filter(source="collect").count() == 1
    # Another price for that crop and day is still refused: an operator corrects it.
    response, message = collect.send(form, prices=[("potatoes", "kg", 33)])
    assert response.status_code == 400
    assert message.startswith("Potatoes at Osh is already recorded for ")
    assert "31 KGS/kg. Ask an operator to reject it" in message
    assert Quote.objects.filter(source="collect").count() == 1


@pytest.fixture
def named_in_every_language(osh, potatoes):
    osh.translations = {"fr": "Och", "ru": "Ош", "ky": "Ош"}
    osh.save()
    potatoes.translations = {"fr": "Pommes de terre", "ru": "Картофель", "ky": "Картошка"}
    potatoes.save()


@pytest.mark.parametrize(
    "language, thanks, foreign, unknown",
    [
        (
            "en",
            "Thank you: 1 price recorded at Osh.",
            "You are not assigned to the market Bishkek.",
            "Unknown commodity 'tractors'.",
        ),
        (
            "fr",
            "Merci : 1 prix enregistré à Och.",
            "Vous n'êtes pas affecté au marché Bichkek.",
            "Produit inconnu : 'tractors'.",
        ),
        (
            "ru",
            "Спасибо: записано цен: 1, рынок Ош.",
            "Вы не закреплены за рынком Бишкек.",
            "Неизвестный товар 'tractors'.",
        ),
        (
            "ky",
            "Рахмат: Ош базарында 1 баа жазылды.",
            "Сиз Бишкек базарына бекитилген эмессиз.",
            "Белгисиз азык 'tractors'.",
        ),
    ],
)
def test_every_openrosa_message_is_in_the_phones_language_with_its_names(
    client, field, bishkek, named_in_every_language, language, thanks, foreign, unknown
):
    bishkek.translations = {"fr": "Bichkek", "ru": "Бишкек", "ky": "Бишкек"}
    bishkek.save()
    collect = Collect(client, language=language)
    form = collect.blank_form()
    assert collect.send(form, prices=[("potatoes", "kg", 31)])[1] == thanks
    assert collect.send(form, market="bishkek", prices=[("potatoes", "kg", 31)])[1] == foreign
    assert collect.send(form, prices=[("tractors", "kg", 31)])[1] == unknown


@pytest.mark.parametrize(
    "language, not_a_number, no_crop",
    [
        (
            "en",
            "The price of Potatoes at Osh is not a number.",
            "Price 2 of the form names no crop.",
        ),
        (
            "ru",
            "Картофель (рынок Ош): цена — не число.",
            "В цене № 2 формы не указан товар.",
        ),
    ],
)
def test_a_price_refused_is_named_by_its_crop_and_market_in_the_phones_language(
    client, field, named_in_every_language, language, not_a_number, no_crop
):
    onions = factories.CommodityFactory(name="Onions")
    collect = Collect(client, language=language)
    form = collect.blank_form()
    # The second price of the form, typed with a decimal comma: named as the agent sees
    # it, not as "price 2".
    sent = collect.send(form, prices=[(onions.slug, "kg", 20), ("potatoes", "kg", "31,5")])
    assert sent[0].status_code == 400 and sent[1] == not_a_number
    # Without its crop, its place in the form is all there is to name it by.
    sent = collect.send(form, prices=[(onions.slug, "kg", 20), ("", "kg", 31)])
    assert sent[0].status_code == 400 and sent[1] == no_crop
    assert not Quote.objects.filter(source="collect").exists()


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("", "The price of Potatoes at Osh is missing."),
        ("1,000", "The price of Potatoes at Osh is not a number."),
        ("1e3", "The price of Potatoes at Osh is not a number."),
        ("1_000", "The price of Potatoes at Osh is not a number."),
        ("NaN", "The price of Potatoes at Osh is not a number."),
    ],
)
def test_a_price_collect_would_not_write_is_refused_and_says_what_is_wrong(
    client, field, price, message
):
    """Collect writes its number widget's value with a point in every language; anything
    else came from elsewhere, and reading it would be a guess."""
    collect = Collect(client)
    sent = collect.send(collect.blank_form(), prices=[("potatoes", "kg", price)])
    assert sent[0].status_code == 400 and sent[1] == message
    assert not Quote.objects.filter(source="collect").exists()


def test_a_price_without_its_unit_says_the_unit_is_missing(client, field, named_in_every_language):
    collect = Collect(client, language="ru")
    sent = collect.send(collect.blank_form(), prices=[("potatoes", "", "30")])
    assert sent[0].status_code == 400
    assert sent[1] == "Картофель (рынок Ош): не указана единица."
    assert not Quote.objects.filter(source="collect").exists()


def test_a_form_with_two_prices_is_recorded_whole(client, field, today, potatoes):
    onions = factories.CommodityFactory(name="Onions")
    collect = Collect(client)
    form = collect.blank_form()
    instance = collect.fill(
        form,
        market="osh",
        observed_on=today.isoformat(),
        prices=[("potatoes", "kg", 31), (onions.slug, "kg", 20)],
    )
    response, message = collect.submit(instance)
    assert response.status_code == 201
    assert message == "Thank you: 2 prices recorded at Osh."
    assert Quote.objects.filter(source="collect").count() == 2


def test_a_form_sent_again_stores_nothing_twice(client, field, today):
    collect = Collect(client)
    form = collect.blank_form()
    instance = collect.fill(
        form, market="osh", observed_on=today.isoformat(), prices=[("potatoes", "kg", 31)]
    )
    assert collect.submit(instance)[0].status_code == 201
    response, message = collect.submit(instance)
    assert response.status_code == 201 and message == "Already received; nothing changed."
    assert Quote.objects.filter(source="collect").count() == 1


def test_the_same_instance_with_other_prices_is_a_conflict(client, field, today, kg):
    collect = Collect(client)
    form = collect.blank_form()
    first = collect.fill(
        form,
        market="osh",
        observed_on=today.isoformat(),
        prices=[("potatoes", "kg", 31)],
        instance_id="uuid:1",
    )
    assert collect.submit(first)[0].status_code == 201
    other = collect.fill(
        form,
        market="osh",
        observed_on=today.isoformat(),
        prices=[("potatoes", "kg", 33)],
        instance_id="uuid:1",
    )
    response, message = collect.submit(other)
    assert response.status_code == 409
    assert message == "This form was sent before with other prices: fill in a new form."
    assert Quote.objects.get(source="collect").price == Decimal(31)
    # The same prices and one more are other prices too: nothing of it is stored.
    factories.CommodityFactory(name="Onions", base_unit=kg)
    longer = collect.fill(
        form,
        market="osh",
        observed_on=today.isoformat(),
        prices=[("potatoes", "kg", 31), ("onions", "kg", 20)],
        instance_id="uuid:1",
    )
    response, message = collect.submit(longer)
    assert response.status_code == 409
    assert message == "This form was sent before with other prices: fill in a new form."
    assert Quote.objects.filter(source="collect").count() == 1


def test_a_foreign_market_is_refused_and_nothing_is_stored(client, field, today):
    collect = Collect(client)
    form = collect.blank_form()
    response, message = collect.send(form, market="bishkek", prices=[("potatoes", "kg", 31)])
    assert (response.status_code, message) == (403, "You are not assigned to the market Bishkek.")
    assert not Quote.objects.filter(source="collect").exists()


def test_an_outlier_is_held_for_review_not_dropped(client, field, today):
    collect = Collect(client)
    form = collect.blank_form()
    response, message = collect.send(form, market="osh", prices=[("potatoes", "kg", 310)])
    assert response.status_code == 201
    assert "An operator will check 1 of them." in message
    assert Quote.objects.get(source="collect").status == "flagged"


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"<data id='agriprices_prices'><market>osh</ma", "not readable XML"),
        (b"<data id='another_form'><market>osh</market></data>", "Unknown form 'another_form'"),
        (b"<data id='agriprices_prices'><market>osh</market></data>", "no instanceID"),
        (
            b"<data id='agriprices_prices'><market>osh</market><observed_on>soon</observed_on>"
            b"<meta><instanceID>uuid:2</instanceID></meta></data>",
            "Write the date as year-month-day in the digits 0 to 9, e.g. 2026-12-01.",
        ),
        (
            b"<data id='agriprices_prices'><market>osh</market>"
            b"<meta><instanceID>uuid:3</instanceID></meta></data>",
            "The form has no date.",
        ),
        (
            b'<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<data id='agriprices_prices'>&b;</data>",
            "not readable XML",
        ),
    ],
)
def test_a_bad_submission_is_a_clear_400(client, field, body, expected):
    response, message = Collect(client).submit(body)
    assert response.status_code == 400 and expected in message
    assert not Quote.objects.filter(source="collect").exists()


def other_ways_to_write(day):
    """``day`` as Python's date.fromisoformat or strptime would also read it."""
    year, week, weekday = day.isocalendar()
    return [
        day.strftime("%Y%m%d"),  # ISO basic
        f"{year}-W{week:02d}-{weekday}",  # ISO week date
        f"{day.year}-{day.month}-{day.day}",  # not padded (the 1st: "-1")
        f"{day.year:04d}\uff0d{day.month:02d}-{day.day:02d}",  # a fullwidth dash
        f"\uff12{day.isoformat()[1:]}",  # a fullwidth digit
        f"{day.isoformat()}T00:00",
    ]


@pytest.mark.parametrize(
    "language, refused",
    [
        ("en", "Write the date as year-month-day in the digits 0 to 9, e.g. 2026-12-01."),
        ("ru", "Напишите дату в виде год-месяц-день цифрами от 0 до 9, например 2026-12-01."),
    ],
)
def test_a_day_is_taken_only_as_year_month_day_like_every_date_field(
    client, field, today, language, refused
):
    collect = Collect(client, language=language)
    form = collect.blank_form()
    first = today.replace(day=1)  # within the days a price may be entered
    for written in [*other_ways_to_write(first), f"{today.year}-02-30"]:
        response, message = collect.send(form, observed_on=written, prices=[("potatoes", "kg", 31)])
        assert (response.status_code, message) == (400, refused), written
    assert not Quote.objects.filter(source="collect").exists()
    response, _message = collect.send(
        form, observed_on=first.isoformat(), prices=[("potatoes", "kg", 31)]
    )
    assert response.status_code == 201
    assert Quote.objects.get(source="collect").observed_on == first


def test_no_or_wrong_credentials_get_the_challenge(client, field):
    assert Collect(client).get("/openrosa/formList", auth=False).status_code == 401
    wrong = Collect(client, password="nope").get("/openrosa/formList")
    assert wrong.status_code == 401 and "Basic" in wrong["WWW-Authenticate"]


def test_guessing_passwords_is_stopped(client, field, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert Collect(client, password="nope").get("/openrosa/formList").status_code == 401
    # Locked now, even with the right password.
    assert Collect(client).get("/openrosa/formList").status_code == 403


def test_plain_http_is_refused_without_debug(client, field):
    response = Collect(client).get("/openrosa/formList", secure=False)
    assert response.status_code == 403
    assert "https" in ET.fromstring(response.content).find(f"{{{RESPONSE}}}message").text  # noqa: S314


def test_plain_http_works_with_debug_for_a_local_trial(client, field, settings):
    settings.DEBUG = True
    assert Collect(client).get("/openrosa/formList", secure=False).status_code == 200


def test_an_account_that_may_not_record_is_refused(client, field):
    visitor = factories.UserFactory(username="visitor")
    visitor.set_password("pw")
    visitor.save()
    assert Collect(client, username="visitor").get("/openrosa/formList").status_code == 403


def test_an_agent_without_markets_has_no_form(client, db):
    factories.agent(markets=[], username="newcomer")
    assert Collect(client, username="newcomer").form_list() == []
    assert (
        Collect(client, username="newcomer")
        .get(f"/openrosa/forms/{xform.FORM_ID}/form.xml")
        .status_code
        == 404
    )


def test_the_version_changes_with_the_medians_and_the_catalogue(
    client, field, potatoes, osh, today
):
    collect = Collect(client)
    first = collect.form_list()[0]["version"]
    assert collect.form_list()[0]["version"] == first  # nothing changed: same version
    # Potatoes dear at Osh for five weeks: the recent median moves.
    for ago in range(35):
        factories.QuoteFactory(
            commodity=potatoes, market=osh, price=45, observed_on=today - timedelta(days=ago)
        )
    rebuild_latest_prices()
    second = collect.form_list()[0]["version"]
    assert second != first  # the medians moved
    factories.CommodityFactory(name="Apricots")
    assert collect.form_list()[0]["version"] not in (first, second)  # the catalogue grew


def crop_lists(form):
    """Each market's crop list as the phone shows it once the market is chosen: the
    crop choices the form's filter keeps (the market's order's planned crops, then the
    catalogue's others), in the form's order."""
    html = ET.fromstring(form)  # noqa: S314
    instances = {i.get("id"): i for i in html.iter(f"{{{XF}}}instance") if i.get("id")}

    def items(name):
        return [
            {child.tag.split("}")[1]: child.text for child in item}
            for item in instances[name].iter(f"{{{XF}}}item")
        ]

    def kept(crop, order):
        planned = crop.get("planned") or ""
        return crop["order"] == order or (
            crop["order"] == xform.CATALOGUE and f" {order} " not in planned
        )

    return {
        market["name"]: [c["name"] for c in items("commodity") if kept(c, market["order"])]
        for market in items("market")
    }


@pytest.fixture
def two_plans(field, potatoes, osh, bishkek, kg):
    """Aibek works at Osh, which plans onions, and Bishkek, which plans potatoes."""
    from agriprices.collection.models import CollectionPlan, PlannedItem

    field.agent_profile.markets.add(bishkek)
    onions = factories.CommodityFactory(name="Onions", base_unit=kg)
    apples = factories.CommodityFactory(name="Apples", base_unit=kg)
    for market, crop in ((osh, onions), (bishkek, potatoes)):
        plan = CollectionPlan.objects.create(
            market=market, weekdays="0", effective_from=timezone.localdate()
        )
        PlannedItem.objects.create(plan=plan, commodity=crop)
    return {"onions": onions, "apples": apples}


def test_the_crop_list_puts_the_chosen_markets_planned_crops_first(client, two_plans, today):
    collect = Collect(client)
    form = collect.blank_form()
    lists = crop_lists(form)
    assert lists["osh"][0] == "onions" and lists["bishkek"][0] == "potatoes"
    # Each market's list is the whole catalogue, each crop once.
    for crops in lists.values():
        assert sorted(crops) == ["apples", "onions", "potatoes"]
    # A crop chosen from a market's list is read as that crop: the names are the slugs.
    instance = collect.fill(
        form,
        market="bishkek",
        observed_on=today.isoformat(),
        prices=[("potatoes", "kg", 31), ("apples", "kg", 50)],
    )
    response, message = collect.submit(instance)
    assert response.status_code == 201, message
    recorded = Quote.objects.filter(source="collect").values_list("commodity__slug", "market__slug")
    assert sorted(recorded) == [("apples", "bishkek"), ("potatoes", "bishkek")]


def test_the_catalogue_is_in_the_form_once_and_planned_crops_once_per_order(client, two_plans, osh):
    from agriprices.collection.models import PlannedItem

    form = Collect(client).blank_form().decode()
    # Apples, planned nowhere, once; onions and potatoes also in their market's order.
    counts = {crop: form.count(f"<name>{crop}</name>") for crop in ("apples", "onions", "potatoes")}
    assert counts == {"apples": 1, "onions": 2, "potatoes": 2}
    # Bishkek now plans what Osh does: one order, and a new version of the form for
    # Collect to fetch.
    version = Collect(client).form_list()[0]["version"]
    PlannedItem.objects.filter(plan__market__slug="bishkek").update(commodity=two_plans["onions"])
    form = Collect(client).blank_form()
    assert form.decode().count("<name>onions</name>") == 2
    assert form.decode().count("<name>potatoes</name>") == 1
    assert Collect(client).form_list()[0]["version"] != version
    assert crop_lists(form)["bishkek"] == ["onions", "apples", "potatoes"]


@pytest.fixture
def java():
    """ODK Validate runs on Java: skipped without it on a workstation, a failure in CI."""
    import os
    import shutil

    if not shutil.which("java"):
        if os.environ.get("AGRIPRICES_REQUIRE_JAVA"):
            pytest.fail("no java (apt-get install default-jre-headless)")
        pytest.skip("no java for ODK Validate (apt-get install default-jre-headless)")


def test_the_form_passes_odk_validate(client, field, tmp_path, java):
    from pyxform.validators import odk_validate

    form, _ = Collect(client).download(Collect(client).form_list()[0])
    path = tmp_path / "form.xml"
    path.write_bytes(form)
    assert odk_validate.check_xform(str(path)) == []


def test_the_form_filtering_crops_by_market_passes_odk_validate(client, two_plans, tmp_path, java):
    from pyxform.validators import odk_validate

    path = tmp_path / "form.xml"
    path.write_bytes(Collect(client).blank_form())
    assert odk_validate.check_xform(str(path)) == []


def test_odk_validate_would_catch_a_broken_form(tmp_path, java):
    from pyxform.validators import odk_validate

    broken = tmp_path / "broken.xml"
    workbook = {
        "survey": [{"type": "calculate", "name": "x", "calculation": "nosuchfunction(1)"}],
        "settings": [{"form_id": "broken"}],
    }
    broken.write_text(xform.build(workbook))
    with pytest.raises(odk_validate.ODKValidateError):
        odk_validate.check_xform(str(broken))


def test_a_photo_of_the_price_board_is_kept_once_and_shown_to_operators(
    client, field, today, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    collect = Collect(client)
    form = collect.blank_form()
    assert 'mediatype="image/*"' in form.decode()
    instance = collect.fill(
        form,
        market="osh",
        observed_on=today.isoformat(),
        prices=[("potatoes", "kg", 310)],
        photo="1701.jpg",
    )
    assert collect.submit(instance, photo=True)[0].status_code == 201
    assert collect.submit(instance, photo=True)[0].status_code == 201  # sent again
    from openrosa.models import Photo

    (photo,) = Photo.objects.all()
    assert photo.sent_by == field and photo.image.read() == b"\xff\xd8\xff"
    # The price was held: the operator reviewing it sees the photo, an agent may not.
    reviewer = factories.operator()
    client.force_login(reviewer)
    page = client.get("/review/").content.decode()
    assert f"/openrosa/photos/{photo.pk}/" in page
    assert client.get(f"/openrosa/photos/{photo.pk}/").status_code == 200
    client.force_login(field)
    assert client.get(f"/openrosa/photos/{photo.pk}/").status_code == 403


def test_a_submission_larger_than_announced_is_refused_unread(client, field):
    from openrosa import documents

    big = b"<data id='agriprices_prices'>" + b" " * documents.ACCEPT_CONTENT_LENGTH + b"</data>"
    response, message = Collect(client).submit(big)
    assert response.status_code == 413 and message == "The form is too large."
    assert not Quote.objects.filter(source="collect").exists()


@pytest.mark.parametrize(
    "language, said",
    [
        ("en", "date 1926-03-01 is more than 60 days ago"),
        ("ru", "дата 1926-03-01 — больше 60 дней назад"),
    ],
)
def test_a_day_typed_a_century_off_is_refused_saying_the_day_and_the_window(
    client, field, language, said
):
    collect = Collect(client, language=language)
    form = collect.blank_form()
    response, message = collect.send(
        form, observed_on="1926-03-01", prices=[("potatoes", "kg", 31)]
    )
    assert response.status_code == 400 and message.startswith(said)
    assert not Quote.objects.filter(source="collect").exists()
