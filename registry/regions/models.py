"""GB/T 2260 administrative divisions."""
from __future__ import annotations

import enum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import enum_column
from registry.extensions import db


class RegionLevel(enum.Enum):
    """Province (省级), city (地级) or county (县级)."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class Region(db.Model):
    """One administrative division, keyed by its 6-digit code."""

    __tablename__ = "regions"
    __table_args__ = (
        sa.CheckConstraint("length(code) = 6", name="code_six_digits"),
    )

    code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel, "region_level"), nullable=False)
    parent_code: Mapped[Optional[str]] = mapped_column(
        sa.ForeignKey("regions.code"), index=True
    )

    parent: Mapped[Optional["Region"]] = relationship(remote_side=[code], back_populates="children")
    children: Mapped[list["Region"]] = relationship(
        back_populates="parent", order_by="Region.code"
    )

    @property
    def prefix(self) -> str:
        """The code prefix shared by this region and all its descendants (3706 for 370600)."""
        if self.level is RegionLevel.PROVINCE:
            return self.code[:2]
        if self.level is RegionLevel.CITY:
            return self.code[:4]
        return self.code

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
