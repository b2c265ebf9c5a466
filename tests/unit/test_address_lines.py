"""Addresses as Relay prints them (drawer, portal, packing slip, mails): a part the store did
not give is left out, never printed as "None"."""

from domain.orders.addresses import address_lines


def test_every_part_in_order_with_zip_city_and_province_on_one_line():
    full = {
        "name": "Anna Kovács",
        "company": "Kovács Kft.",
        "address1": "Váci utca 1",
        "address2": "2. emelet",
        "zip": "1052",
        "city": "Budapest",
        "province": None,
        "province_code": "BU",
        "country": "Hungary",
        "country_code": "HU",
        "phone": "+3612345678",
    }
    assert address_lines(full) == [
        "Anna Kovács",
        "Kovács Kft.",
        "Váci utca 1",
        "2. emelet",
        "1052 Budapest, BU",
        "Hungary",
    ]


def test_missing_parts_are_left_out_and_the_country_code_stands_in_for_the_name():
    sparse = {
        "first_name": "Anna",
        "last_name": None,
        "address1": "12 King St W",
        "address2": None,
        "zip": None,
        "city": "Toronto",
        "province": "",
        "country": None,
        "country_code": "CA",
    }
    assert address_lines(sparse) == ["Anna", "12 King St W", "Toronto", "CA"]
    assert address_lines({"province_code": "ON"}) == ["ON"]
    assert address_lines(None) == [] and address_lines({}) == []
