"""Protection of national ID numbers (身份证号): validated, then kept only as a keyed
digest (to find a person registered twice) and an encrypted token. Neither the number
nor either derived value is ever displayed, exported or logged."""
from __future__ import annotations

import hashlib
import re
import hmac
from dataclasses import dataclass

from cryptography.fernet import Fernet
from flask import current_app
from stdnum.cn import ric


class InvalidIdNumber(ValueError):
    """The ID number is malformed, has a wrong check digit or an impossible birth date.

    The message never repeats the number itself.
    """


@dataclass(frozen=True)
class ProtectedIdNumber:
    """What is stored for an ID number."""

    digest: str
    encrypted: str


def normalise_id_number(number: str) -> str:
    """Validate an 18-digit resident ID number (checksum and birth date) and compact it."""
    try:
        # People type 370602 19900228 123X or with hyphens; stdnum keeps those characters.
        return ric.validate(re.sub(r"[\s-]", "", number).upper())
    except ric.ValidationError as error:
        raise InvalidIdNumber("身份证号码无效") from error


def pii_key() -> bytes:
    """The PII key (``PII_KEY``): HMAC key of the digests, Fernet key of the ciphertexts."""
    return current_app.config["PII_KEY"].encode("ascii")


def id_number_digest(number: str) -> str:
    """HMAC-SHA256 of the normalised number under the PII key (hex)."""
    normalised = normalise_id_number(number)
    return hmac.new(pii_key(), normalised.encode("ascii"), hashlib.sha256).hexdigest()


def protect_id_number(number: str) -> ProtectedIdNumber:
    """The digest and the Fernet-encrypted number, ready to store."""
    normalised = normalise_id_number(number)
    digest = hmac.new(pii_key(), normalised.encode("ascii"), hashlib.sha256).hexdigest()
    return ProtectedIdNumber(digest, Fernet(pii_key()).encrypt(normalised.encode("ascii")).decode())
