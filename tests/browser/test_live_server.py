"""The browser tests' live server survives a client that resets the connection mid-request.

Chromium does that when it abandons a stylesheet or favicon on navigation. werkzeug 3.1's
server then skips closing the response (the reset is raised while it drains the request), and
the open static file ends as a ResourceWarning, which ``filterwarnings = error`` turns into a
failure of whichever test happens to be running.
"""
from __future__ import annotations

import gc
import socket
import struct
import time
from urllib.parse import urlsplit
from urllib.request import urlopen


def _reset_after_response(host: str, port: int, path: str) -> None:
    """Request, read the start of the response, then reset the connection (RST, not FIN)
    while the server drains what is left of the request."""
    with socket.create_connection((host, port)) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        assert connection.recv(65536).startswith(b"HTTP/1.1 200")
        # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_reset_connection_leaves_no_static_file_open(live_server):
    address = urlsplit(live_server.url)
    for _ in range(10):
        _reset_after_response(address.hostname, address.port, "/static/img/favicon.svg")
    # The server is still serving, and every response it began has been closed: a file left
    # open would be reported when collected, failing this test.
    with urlopen(live_server.url + "/static/img/favicon.svg", timeout=10) as response:
        assert response.status == 200
    time.sleep(0.2)
    gc.collect()
