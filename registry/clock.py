"""The register's calendar: what day it is, and when a day starts, in the register's time
zone (``BABEL_DEFAULT_TIMEZONE``, Asia/Shanghai by default) rather than the server's. Every
"today" of pages, services, commands and the API comes from here."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

DEFAULT_ZONE = "Asia/Shanghai"


def register_zone() -> ZoneInfo:
    """The register's time zone."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE)


def local_today() -> date:
    """Today in the register's time zone, not the server's."""
    return datetime.now(register_zone()).date()


def local_midnight(day: date) -> datetime:
    """00:00 of ``day`` in the register's time zone."""
    return datetime.combine(day, time(), register_zone())
