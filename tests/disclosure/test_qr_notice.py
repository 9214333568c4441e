"""QR codes on public pages and the printable registration notice."""
from __future__ import annotations

import re
from urllib.parse import unquote

from registry.database import utcnow
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from tests.disclosure.builders import build_register


def _qr(html: str) -> str:
    match = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', html)
    assert match, "no QR code on the page"
    svg = unquote(match.group(1))
    assert "<svg" in svg and "<path" in svg
    return svg


def test_organisation_and_practitioner_pages_carry_a_qr_code(client, regions):
    records = build_register().records
    page = client.get(f"/organisations/{records['active'].id}").get_data(as_text=True)
    _qr(page)
    assert f"/organisations/{records['active'].id}/notice" in page
    _qr(client.get(f"/practitioners/{records['person'].id}").get_data(as_text=True))


def test_qr_code_encodes_the_absolute_page_url(app):
    import segno

    from registry.disclosure.qr import qr_data_uri

    url = "http://localhost/organisations/1"
    assert qr_data_uri(url) == segno.make(url, error="m", micro=False).svg_data_uri(scale=4,
                                                                                    border=2)
    assert qr_data_uri(url) != qr_data_uri("http://localhost/organisations/2")


def test_notice_shows_the_registration_and_live_status(client, regions):
    records = build_register().records
    organisation = records["active"]
    html = client.get(f"/organisations/{organisation.id}/notice").get_data(as_text=True)
    assert organisation.name in html and organisation.uscc in html and "社会心理咨询服务机构" in html
    assert "正常" in html and "暂停服务" not in html
    assert f"http://localhost/organisations/{organisation.id}" in html
    _qr(html)
    assert "css/notice.css" in html


def test_suspended_and_exited_notices_say_so(client, regions):
    records = build_register().records
    html = client.get(f"/organisations/{records['suspended'].id}/notice").get_data(as_text=True)
    assert "该机构已被暂停服务" in html
    records["active"].status = OrganisationStatus.EXITED
    records["active"].exited_at = utcnow()
    db.session.commit()
    html = client.get(f"/organisations/{records['active'].id}/notice").get_data(as_text=True)
    assert "该机构已退出登记" in html


def test_no_notice_for_an_unapproved_organisation(client, regions):
    records = build_register().records
    assert client.get(f"/organisations/{records['draft'].id}/notice").status_code == 404
