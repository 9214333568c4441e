"""ID numbers are validated and stored only as a keyed digest and a ciphertext."""
from __future__ import annotations

from datetime import date

import pytest
from cryptography.fernet import Fernet

from registry.practitioners.identity import (
    InvalidIdNumber,
    id_number_digest,
    normalise_id_number,
    protect_id_number,
)
from tests.factories import valid_id_number


def test_valid_number_is_protected(app):
    number = valid_id_number("370602", date(1990, 2, 28), serial=12)
    protected = protect_id_number(number)
    assert number not in protected.digest and number not in protected.encrypted
    assert len(protected.digest) == 64
    assert Fernet(app.config["PII_KEY"]).decrypt(protected.encrypted.encode()).decode() == number
    assert protected.digest == id_number_digest(number)


def test_lower_case_x_and_spaces_are_normalised(app):
    number = next(n for n in (valid_id_number(serial=s) for s in range(40)) if n.endswith("X"))
    assert normalise_id_number(" " + number[:-1] + "x ") == number


@pytest.mark.parametrize("bad", [
    "37060219900228123",  # 17 digits
    "370602199002281234X",  # 19 characters
    "37060219900230123",  # 30 February (with any check digit appended below)
    "abcdefghijklmnopqr",
])
def test_invalid_numbers_are_refused_without_echoing_them(app, bad):
    candidate = bad if len(bad) != 17 or "0230" not in bad else bad + "0"
    with pytest.raises(InvalidIdNumber) as error:
        protect_id_number(candidate)
    assert candidate not in str(error.value)


def test_wrong_check_digit_is_refused(app):
    number = valid_id_number(serial=3)
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    with pytest.raises(InvalidIdNumber):
        normalise_id_number(wrong)


def test_digest_depends_on_the_key(app):
    number = valid_id_number(serial=5)
    first = id_number_digest(number)
    app.config["PII_KEY"] = Fernet.generate_key().decode()
    assert id_number_digest(number) != first
