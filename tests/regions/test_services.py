"""The region loader and lookups, against the real packaged dataset."""
from __future__ import annotations

import sqlalchemy as sa

from registry.extensions import db
from registry.regions import services
from registry.regions.models import Region, RegionLevel


def _count(level: RegionLevel) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Region.level == level))


def test_loads_every_division_with_levels(no_regions):
    result = services.load_regions()
    assert result.inserted == result.total == 3427
    assert _count(RegionLevel.PROVINCE) == 34  # 23 provinces, 5 regions, 4 municipalities, HK, MO
    assert 330 <= _count(RegionLevel.CITY) <= 350
    assert _count(RegionLevel.COUNTY) > 2800


def test_parent_links(regions):
    tengzhou = services.get_region("370481")
    assert tengzhou.name == "滕州市"
    assert [r.name for r in services.ancestors(tengzhou)] == ["山东省", "枣庄市", "滕州市"]
    assert services.get_region("370600").parent_code == "370000"
    assert services.get_region("370000").parent is None
    # 省直辖县级行政区划: 济源市 hangs from 河南省, there being no 419000 city.
    assert services.get_region("419001").parent_code == "410000"


def test_every_parent_exists_and_is_one_level_up_or_more(regions):
    orphans = db.session.scalars(
        sa.select(Region).where(Region.level != RegionLevel.PROVINCE, Region.parent_code.is_(None))
    ).all()
    assert orphans == []
    counties_under_counties = db.session.scalar(
        sa.select(sa.func.count()).select_from(Region)
        .join(Region.parent.of_type(sa.orm.aliased(Region, name="p")))
        .where(Region.level == RegionLevel.COUNTY, sa.text("p.level = 'county'"))
    )
    assert counties_under_counties == 0


def test_descendants_by_prefix(regions):
    yantai = services.get_region("370600")
    names = {r.name for r in services.descendants(yantai)}
    assert {"芝罘区", "莱山区", "龙口市", "蓬莱区"} <= names
    assert len(names) == 11
    shandong = services.descendants(services.get_region("370000"))
    assert all(r.code.startswith("37") for r in shandong)
    assert services.get_region("370481").prefix == "370481"
    assert services.descendants(services.get_region("370481")) == []


def test_in_region_condition(regions):
    codes = db.session.scalars(
        sa.select(Region.code).where(services.in_region(Region.code, "510700"))
    ).all()
    assert "510703" in codes and "510781" in codes and "370602" not in codes


def test_children_of_nothing_are_the_provinces(regions):
    provinces = services.children(None)
    assert len(provinces) == 34
    assert [r.name for r in services.children("370400")][-1] == "滕州市"


def test_loading_again_changes_nothing(regions):
    again = services.load_regions()
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3427)


def test_loading_repairs_an_edited_row(regions):
    db.session.get(Region, "370602").name = "改错的名字"
    db.session.commit()
    result = services.load_regions()
    assert result.updated == 1
    assert db.session.get(Region, "370602").name == "芝罘区"


def test_counties_of_demo_cities(regions):
    counties = services.counties_of(["370600", "370400"])
    assert {r.code[:4] for r in counties} == {"3706", "3704"}
    assert all(r.level is RegionLevel.COUNTY for r in counties)
