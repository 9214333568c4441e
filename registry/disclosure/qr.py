"""QR codes linking to public pages, as SVG ``data:`` URIs (the CSP allows ``img-src data:``),
so a page carries its own code without another request."""
from __future__ import annotations

from functools import lru_cache

import segno

# Encoding a code (choosing its mask) takes longer than the rest of an organisation page; a
# page's URL never changes, so each worker remembers the codes of its most visited pages
# (an SVG data URI is under 3 KB: 2,048 of them hold about 6 MB).
QR_CACHE_SIZE = 2048


@lru_cache(maxsize=QR_CACHE_SIZE)
def qr_data_uri(url: str, scale: int = 4) -> str:
    """An SVG QR code of ``url`` (error correction M, survives a worn print) as a data: URI."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=scale, border=2)
