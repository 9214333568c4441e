"""QR codes on public pages and the printable registration notice."""
from __future__ import annotations

import io
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


def _page_qr(client, html: str, page_url: str) -> str:
    """The page's QR image: loaded from its own URL, an SVG of the page's absolute URL."""
    import segno

    match = re.search(r'<img src="(/[a-z]+/[0-9]+/qr\.svg)"', html)
    assert match, "no QR code image on the page"
    response = client.get(match.group(1))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    expected = io.BytesIO()
    segno.make(page_url, error="m", micro=False).save(expected, kind="svg", scale=4, border=2,
                                                      xmldecl=False)
    assert response.data == expected.getvalue()
    return match.group(1)


def test_organisation_and_practitioner_pages_load_their_qr_code(client, regions):
    records = build_register().records
    organisation, person = records["active"], records["person"]
    page = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "data:image/svg" not in page  # the page does not pay for encoding the code
    _page_qr(client, page, f"http://localhost/organisations/{organisation.id}")
    assert f"/organisations/{organisation.id}/notice" in page
    page = client.get(f"/practitioners/{person.id}").get_data(as_text=True)
    _page_qr(client, page, f"http://localhost/practitioners/{person.id}")


def test_qr_images_are_kept_a_day_and_revalidated(client, regions):
    records = build_register().records
    url = f"/organisations/{records['active'].id}/qr.svg"
    response = client.get(url)
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    etag = response.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_no_qr_code_for_what_is_not_public(client, regions):
    records = build_register().records
    assert client.get(f"/organisations/{records['draft'].id}/qr.svg").status_code == 404
    assert client.get(f"/practitioners/{records['unverified'].id}/qr.svg").status_code == 404
    assert client.get("/organisations/999999/qr.svg").status_code == 404
    assert client.get("/practitioners/999999/qr.svg").status_code == 404
    assert client.get(f"/practitioners/{records['person'].id}/qr.svg").status_code == 200


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
