"""Atom feeds: valid Atom documents, per region."""
from __future__ import annotations

from xml.etree import ElementTree

from tests.disclosure.builders import build_register

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type.startswith("application/atom+xml")
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None, required
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for required in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    assert len({entry.findtext(f"{ATOM}id") for entry in entries}) == len(entries)
    return root, [entry.findtext(f"{ATOM}title") for entry in entries]


def test_registrations_feed_per_region(client, regions):
    build_register()
    _root, titles = _feed(client, "/feeds/registrations.atom")
    assert set(titles) == {"烟台市心海心理咨询中心", "烟台市暂停心理咨询中心", "绵阳市涪城心理咨询中心"}
    root, titles = _feed(client, "/feeds/registrations.atom?region=510700")
    assert titles == ["绵阳市涪城心理咨询中心"]
    assert "绵阳市" in root.findtext(f"{ATOM}title")
    assert root.find(f"{ATOM}link[@rel='self']").get("href").endswith("region=510700")


def test_sanctions_feed_lists_sanctions_in_disclosure(client, regions):
    build_register()
    _root, titles = _feed(client, "/feeds/sanctions.atom?region=370600")
    assert titles == ["暂停服务：烟台市暂停心理咨询中心"]


def test_demonstration_units_feed(client, regions):
    build_register()
    _root, titles = _feed(client, "/feeds/demonstration-units.atom")
    assert titles == ["示范单位：烟台市心海心理咨询中心"]
    _root, titles = _feed(client, "/feeds/demonstration-units.atom?region=510700")
    assert titles == []
    assert client.get("/feeds/unknown.atom").status_code == 404
