"""Demo accounts and associations: an admin, a regulator per demo city, an association per
city with one assessor, and organisation accounts for a few organisations.

Every demo account has the password ``DEMO_PASSWORD``; it is documented on purpose and
must never be used outside a demonstration.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from pypinyin import Style, lazy_pinyin

from registry.auth.models import Role
from registry.demo.organisations import OrgPlan
from registry.demo.places import CityProfile
from registry.orgs.models import OrganisationStatus

DEMO_PASSWORD = "xinli-demo-2026"
EMAIL_DOMAIN = "demo.example.cn"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"


def regulator_email(city_code: str) -> str:
    """regulator.370600@demo.example.cn"""
    return f"regulator.{city_code}@{EMAIL_DOMAIN}"


def assessor_email(city_code: str) -> str:
    """assessor.370600@demo.example.cn"""
    return f"assessor.{city_code}@{EMAIL_DOMAIN}"


def organisation_email(organisation_id: int) -> str:
    """org.12@demo.example.cn"""
    return f"org.{organisation_id}@{EMAIL_DOMAIN}"


@dataclass
class DemoStaff:
    """Ids of the reference rows that later phases point at, by city code."""

    admin: int = 0
    regulators: dict[str, int] = field(default_factory=dict)
    assessors: dict[str, int] = field(default_factory=dict)
    associations: dict[str, int] = field(default_factory=dict)


def association_row(rng: random.Random, association_id: int, city: CityProfile,
                    created: datetime) -> dict:
    """The city's industry association (行业组织), with the city as its jurisdiction."""
    slug = "".join(lazy_pinyin(city.short, style=Style.FIRST_LETTER)).lower()
    return {"id": association_id, "name": city.association_name, "region_code": city.code,
            "contact_phone": city.main_district.phone(rng),
            "website": f"https://{slug}xlxh.example.cn", "created_at": created,
            "updated_at": created}


def staff_rows(staff: DemoStaff, cities: list[CityProfile], password_hash: str,
               created: datetime, take_id) -> list[dict]:
    """The admin, and a regulator and an assessor for each city."""
    staff.admin = take_id("users")
    rows = [_user(staff.admin, ADMIN_EMAIL, "演示管理员", Role.ADMIN, password_hash, created)]
    for city in cities:
        staff.regulators[city.code] = take_id("users")
        rows.append(_user(staff.regulators[city.code], regulator_email(city.code),
                          f"{city.name}卫生健康委员会（演示）", Role.REGULATOR, password_hash,
                          created, region_code=city.code))
        staff.assessors[city.code] = take_id("users")
        rows.append(_user(staff.assessors[city.code], assessor_email(city.code),
                          f"{city.association_name}评估员（演示）", Role.ASSESSOR, password_hash,
                          created, region_code=city.code,
                          association_id=staff.associations[city.code]))
    return rows


def organisation_account_rows(plans: list[OrgPlan], password_hash: str, take_id) -> list[dict]:
    """Accounts for, per city, the first active counselling company, draft and rejected one."""
    wanted = (OrganisationStatus.ACTIVE, OrganisationStatus.DRAFT, OrganisationStatus.REJECTED)
    picked: dict[tuple[str, OrganisationStatus], OrgPlan] = {}
    for plan in plans:
        key = (plan.city.code, plan.status)
        if plan.status in wanted and key not in picked and plan.fictional and plan.fate is None:
            picked[key] = plan
    rows = []
    for plan in sorted(picked.values(), key=lambda p: p.id):
        rows.append(_user(take_id("users"), organisation_email(plan.id), plan.named.name[:60],
                          Role.ORG, password_hash, plan.created, organisation_id=plan.id))
    return rows


def _user(user_id: int, email: str, display_name: str, role: Role, password_hash: str,
          created: datetime, **extra) -> dict:
    row = {"id": user_id, "email": email, "display_name": display_name[:60],
           "password_hash": password_hash, "role": role, "organisation_id": None,
           "association_id": None, "region_code": None, "active": True, "last_login_at": None,
           "created_at": created, "updated_at": created}
    row.update(extra)
    return row
