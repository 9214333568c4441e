"""Password rules a person can meet."""
from __future__ import annotations

import pytest

from registry.auth.passwords import hash_password, password_matches, password_problem


@pytest.mark.parametrize("password, reason", [
    ("short1!", "至少"),
    ("woaini1314", "常见"),
    ("1234567890", "常见"),
    ("aaaaaaaaaaaa", "常见"),
    ("zhang.san@example.cn", "邮箱"),
    ("zhang.san", "至少"),
    ("x" * 129, "超过"),
])
def test_refused_passwords_say_why(app, password, reason):
    problem = password_problem(password, "zhang.san@example.cn")
    assert problem is not None and reason in problem


@pytest.mark.parametrize("password", ["烟台心海咨询2026", "correct horse battery", "Tr0ub4dor&3xyz"])
def test_acceptable_passwords(app, password):
    assert password_problem(password, "zhang.san@example.cn") is None


def test_hash_is_salted_and_checkable(app):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"  # the production default
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second and first.startswith("scrypt:")
    assert password_matches(first, "correct horse battery")
    assert not password_matches(first, "correct horse batterY")
