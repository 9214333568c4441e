"""The English catalog is complete: every message is translated and none is fuzzy, and every
message the source tree marks for translation is in the catalog.

The second test re-extracts the messages with babel's API and the project's own
``babel.cfg``, as ``pybabel extract`` does (registry/translations/README.md), so a string
added to the code or a template without updating the catalog fails here rather than showing
up in Chinese on an English page.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "registry" / "translations"
CATALOG = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
BABEL_CFG = TRANSLATIONS / "babel.cfg"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with CATALOG.open("rb") as file:
        return read_po(file, locale="en")


def _key(msgid) -> str:
    """How a message is named in a failure: its (singular) msgid."""
    return msgid[0] if isinstance(msgid, (tuple, list)) else msgid


def _untranslated(message) -> bool:
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return not all(strings)


def test_every_message_is_translated_and_none_is_fuzzy(catalog):
    # A fuzzy header would make `pybabel compile` skip the whole catalog.
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"
    messages = [message for message in catalog if message.id]
    untranslated = [_key(message.id) for message in messages if _untranslated(message)]
    fuzzy = [_key(message.id) for message in messages if message.fuzzy]

    assert messages, f"no messages read from {CATALOG}"
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy}"


def test_placeholders_of_every_translation_match_its_msgid(catalog):
    # babel's checkers: %(name)s placeholders kept, plural forms complete.
    problems = [(_key(message.id), [str(error) for error in errors])
                for message, errors in catalog.check()]

    assert not problems, problems


def test_every_extracted_message_is_in_the_catalog(catalog):
    with BABEL_CFG.open(encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file, filename=str(BABEL_CFG))
    extracted = {}
    for filename, lineno, msgid, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map):
        extracted.setdefault((msgid, context), f"{filename}:{lineno}")

    assert len(extracted) > 100, "extraction found almost nothing: is babel.cfg still right?"
    missing = [f"{where}: {_key(msgid)!r}" for (msgid, context), where in extracted.items()
               if catalog.get(_key(msgid), context) is None]
    plural_mismatch = [
        f"{where}: {_key(msgid)!r}" for (msgid, context), where in extracted.items()
        if (message := catalog.get(_key(msgid), context)) is not None
        and isinstance(msgid, tuple) != message.pluralizable
    ]

    assert not missing, (
        f"{len(missing)} messages are not in {CATALOG.relative_to(ROOT)}; run the extract/update "
        f"steps in registry/translations/README.md and translate them: {missing}")
    assert not plural_mismatch, f"singular/plural differs from the catalog: {plural_mismatch}"
