"""Loading and looking up administrative divisions."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Iterable, Optional

import sqlalchemy as sa

from registry.extensions import db
from registry.regions.models import Region, RegionLevel

DATASET = "divisions.csv"


@dataclass(frozen=True)
class DivisionRow:
    """One row of the packaged dataset, with its derived level and parent."""

    code: str
    name: str
    level: RegionLevel
    parent_code: Optional[str]


@dataclass(frozen=True)
class LoadResult:
    """What ``load_regions`` did."""

    inserted: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


def level_of(code: str) -> RegionLevel:
    """Province for ``xx0000``, city for ``xxxx00``, county otherwise."""
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def read_dataset() -> list[DivisionRow]:
    """The packaged GB/T 2260 table with levels and parents derived from the codes."""
    text = resources.files("registry.regions").joinpath("data", DATASET).read_text("utf-8")
    raw = [(row["code"], row["name"]) for row in csv.DictReader(text.splitlines())]
    codes = {code for code, _ in raw}
    rows = []
    for code, name in raw:
        level = level_of(code)
        rows.append(DivisionRow(code, name, level, _parent_code(code, level, codes)))
    return rows


def _parent_code(code: str, level: RegionLevel, codes: set[str]) -> Optional[str]:
    """The nearest existing ancestor: city, else province (省直辖县级行政区划)."""
    if level is RegionLevel.PROVINCE:
        return None
    city, province = code[:4] + "00", code[:2] + "0000"
    if level is RegionLevel.COUNTY and city in codes:
        return city
    return province if province in codes else None


def load_regions(progress: Callable[[int], None] | None = None) -> LoadResult:
    """Insert or update every division from the dataset; running it again changes nothing.

    Parents are written before children (rows are sorted by level), so the foreign key
    holds at every step. New rows go in as one bulk insert. ``progress`` is called with
    the number of rows handled.
    """
    rows = sorted(read_dataset(), key=lambda r: (_LEVEL_ORDER[r.level], r.code))
    existing = {region.code: region for region in db.session.scalars(sa.select(Region))}
    new_rows: list[dict] = []
    updated = unchanged = 0
    for row in rows:
        region = existing.get(row.code)
        values = (row.name, row.level, row.parent_code)
        if region is None:
            new_rows.append({"code": row.code, "name": row.name, "level": row.level,
                             "parent_code": row.parent_code})
        elif (region.name, region.level, region.parent_code) != values:
            region.name, region.level, region.parent_code = values
            updated += 1
        else:
            unchanged += 1
    if progress:
        progress(updated + unchanged)
    for start in range(0, len(new_rows), 1000):
        batch = new_rows[start:start + 1000]
        db.session.execute(sa.insert(Region), batch)
        if progress:
            progress(len(batch))
    db.session.commit()
    return LoadResult(len(new_rows), updated, unchanged)


_LEVEL_ORDER = {RegionLevel.PROVINCE: 0, RegionLevel.CITY: 1, RegionLevel.COUNTY: 2}


def get_region(code: str) -> Optional[Region]:
    """The region with ``code``, or None."""
    return db.session.get(Region, code)


def descendants(region: Region) -> list[Region]:
    """Every division below ``region``, found by code prefix (a city includes its counties)."""
    return list(db.session.scalars(
        sa.select(Region)
        .where(Region.code.startswith(region.prefix), Region.code != region.code)
        .order_by(Region.code)
    ))


def children(code: Optional[str]) -> list[Region]:
    """The direct children of ``code``; the provinces when ``code`` is None."""
    return list(db.session.scalars(
        sa.select(Region).where(Region.parent_code.is_(code) if code is None
                                else Region.parent_code == code).order_by(Region.code)
    ))


def ancestors(region: Region) -> list[Region]:
    """From the province down to ``region`` itself (for breadcrumbs)."""
    chain: list[Region] = []
    current: Optional[Region] = region
    while current is not None:
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


def region_prefix(code: str) -> str:
    """The code prefix that selects ``code`` and everything below it (3706 for 370600)."""
    level = level_of(code)
    if level is RegionLevel.PROVINCE:
        return code[:2]
    if level is RegionLevel.CITY:
        return code[:4]
    return code


def in_region(column, code: str):
    """A SQL condition: ``column`` (a region code) lies inside region ``code``."""
    return column.startswith(region_prefix(code), autoescape=True)


def counties_of(codes: Iterable[str]) -> list[Region]:
    """Every county-level division inside any of ``codes``."""
    conditions = [in_region(Region.code, code) for code in codes]
    return list(db.session.scalars(
        sa.select(Region).where(Region.level == RegionLevel.COUNTY, sa.or_(*conditions))
        .order_by(Region.code)
    ))
