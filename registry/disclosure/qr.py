"""QR codes linking to public pages, as SVG ``data:`` URIs (the CSP allows ``img-src data:``),
so a page carries its own code without another request."""
from __future__ import annotations

import segno


def qr_data_uri(url: str, scale: int = 4) -> str:
    """An SVG QR code of ``url`` (error correction M, survives a worn print) as a data: URI."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=scale, border=2)
