from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agriprices.names import make_slug, normalize_name
from agriprices.units import parse_unit_label

D = Decimal


@pytest.mark.parametrize(
    ("label", "code", "dimension", "quantity"),
    [
        ("KG", "kg", "mass", D(1)),
        ("kg", "kg", "mass", D(1)),
        ("46 KG", "46kg", "mass", D(46)),
        ("50 kg", "50kg", "mass", D(50)),
        ("bag50kg", "bag50kg", "mass", D(50)),
        ("500 G", "500g", "mass", D("0.5")),
        ("MT", "mt", "mass", D(1000)),
        ("L", "l", "volume", D(1)),
        ("1.5 L", "1.5l", "volume", D("1.5")),
        ("10 pcs", "10pcs", "count", D(10)),
        ("Dozen", "dozen", "count", D(12)),
        ("Unit", "pcs", "count", D(1)),
        ("Head", "head", "count", D(1)),
        ("Loaf", "loaf", "loaf", D(1)),
        ("Day", "day", "day", D(1)),
        ("кг", "kg", "mass", D(1)),
    ],
)
def test_unit_labels_seen_in_price_files(label, code, dimension, quantity):
    spec = parse_unit_label(label)
    assert (spec.code, spec.dimension, spec.base_quantity) == (code, dimension, quantity)


@pytest.mark.parametrize("label", ["", "   ", "0 KG"])
def test_unreadable_unit_labels_are_refused(label):
    with pytest.raises(ValueError):
        parse_unit_label(label)


@given(
    quantity=st.integers(min_value=1, max_value=10_000), base=st.sampled_from(["KG", "L", "pcs"])
)
def test_a_sized_unit_holds_that_many_base_units_and_its_code_reads_back(quantity, base):
    spec = parse_unit_label(f"{quantity} {base}")
    assert spec.base_quantity == quantity
    # What export writes (the code) is read back as the same unit.
    assert parse_unit_label(spec.code) == spec


@given(a=st.integers(min_value=1, max_value=500), b=st.integers(min_value=1, max_value=500))
def test_unit_conversion_factors_are_reciprocal(a, b):
    from agriprices.models import Unit

    ua = Unit(code=f"{a}kg", dimension="mass", base_quantity=D(a))
    ub = Unit(code=f"{b}kg", dimension="mass", base_quantity=D(b))
    assert abs(ua.factor_to(ub) * ub.factor_to(ua) - 1) < D("1e-20")


def test_units_of_different_kinds_do_not_convert():
    from agriprices.models import Unit

    with pytest.raises(ValueError):
        Unit(code="kg", dimension="mass").factor_to(Unit(code="l", dimension="volume"))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Pommes de terre", "pommes-de-terre "),
        ("Картошка", "КАРТОШКА"),
        ("ёлка", "елка"),
        ("Maïs", "mais"),
        ("Jalal-Abad", "jalal abad"),
    ],
)
def test_names_that_compare_equal(a, b):
    assert normalize_name(a) == normalize_name(b)


def test_kyrgyz_letters_survive_normalisation():
    assert normalize_name("Жүгөрү") == "жүгөрү"


@pytest.mark.parametrize(("text", "slug"), [("Wheat flour", "wheat-flour"), ("Ош", "ош")])
def test_slugs(text, slug):
    assert make_slug(text) == slug
