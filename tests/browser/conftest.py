"""A live server and a headless Chromium (Debian's, driven by Playwright) for browser tests.

Without /usr/bin/chromium the tests are skipped, except on CI (``CI=true``), where a
missing browser is a failure: CI must run them.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from registry.extensions import db
from tests.factories import (
    make_association,
    make_designation,
    make_evaluation,
    make_organisation,
    make_practitioner,
    make_qualification,
    make_rubric,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@dataclass(frozen=True)
class LiveData:
    """What the live server's database holds (plain values: safe to read from any thread)."""

    organisation_id: int
    organisation_name: str
    organisation_uscc: str
    practitioner_id: int
    practitioner_name: str


@dataclass(frozen=True)
class LiveServer:
    """The address of the running application and the data behind it."""

    url: str
    data: LiveData


def _unavailable(reason: str) -> None:
    """Skip locally, fail on CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def live_data(app, regions) -> LiveData:
    """A few organisations in 烟台市 counties and a practitioner with a verified qualification."""
    main = make_organisation(name="烟台市芝罘区心海心理咨询中心", region_code="370602")
    make_organisation(name="烟台市福山区阳光心理服务站", region_code="370611",
                      org_type="community_room", services=["counselling", "community_support"])
    make_organisation(name="龙口市心桥心理健康服务中心", region_code="370681",
                      offers_public_benefit=False)
    make_designation(main)
    make_evaluation(main, make_association(), make_rubric())
    practitioner = make_practitioner(main, name="李华")
    make_qualification(practitioner)
    db.session.commit()
    return LiveData(main.id, main.name, main.uscc, practitioner.id, practitioner.name)


_BODY = "tests.live_server.body"


class _Body:
    """A response body that can be closed twice (the server's close, then ours)."""

    def __init__(self, body):
        self._body = body
        self._closed = False

    def __iter__(self):
        return iter(self._body)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if hasattr(self._body, "close"):
                self._body.close()


def _remember_body(app):
    """WSGI middleware: keep each response's body in its environ for the handler below."""

    def middleware(environ, start_response):
        body = environ[_BODY] = _Body(app(environ, start_response))
        return body

    return middleware


class _ClosingRequestHandler(WSGIRequestHandler):
    """Closes the response when the client resets the connection.

    werkzeug 3.1.9 drains the request before it closes the response; a reset raised by that
    read skips the close, and the static file left open becomes a ResourceWarning (an error
    here) in whichever test runs when it is collected. Chromium resets connections it abandons.
    """

    def connection_dropped(self, error, environ=None) -> None:
        if environ is not None and _BODY in environ:
            environ[_BODY].close()
        super().connection_dropped(error, environ)


@pytest.fixture
def live_server(app, live_data):
    """The ``app`` fixture's application served on a free local port in a background thread."""
    server = make_server("127.0.0.1", 0, _remember_body(app), threaded=True,
                         request_handler=_ClosingRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", live_data)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium shared by the session's browser tests."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (make browser-deps installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts() -> Path:
    """The folder for screenshots (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
