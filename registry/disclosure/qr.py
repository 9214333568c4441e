"""QR codes linking to public pages, as SVG.

Public pages load their code as an image (``/organisations/<id>/qr.svg``), which browsers and
proxies keep for a day: a page's URL never changes, so neither does its code, and the page
itself does not pay for encoding one. The printable notice embeds its code as a ``data:`` URI
(the CSP allows ``img-src data:``), so a saved or printed copy holds it.
"""
from __future__ import annotations

import io
from functools import lru_cache

import segno

# Encoding a code (choosing its mask) takes longer than rendering a page; each worker keeps
# the codes it made (an SVG is under 3 KB: 2,048 of them hold about 6 MB).
QR_CACHE_SIZE = 2048
QR_MAX_AGE = 86_400  # seconds a browser or proxy may keep a page's code


def _code(url: str):
    """``url`` as a QR code, error correction M (survives a worn print)."""
    return segno.make(url, error="m", micro=False)


@lru_cache(maxsize=QR_CACHE_SIZE)
def qr_svg(url: str, scale: int = 4) -> bytes:
    """An SVG document of ``url``'s QR code."""
    out = io.BytesIO()
    _code(url).save(out, kind="svg", scale=scale, border=2, xmldecl=False)
    return out.getvalue()


@lru_cache(maxsize=QR_CACHE_SIZE)
def qr_data_uri(url: str, scale: int = 4) -> str:
    """``url``'s QR code as an SVG ``data:`` URI."""
    return _code(url).svg_data_uri(scale=scale, border=2)
