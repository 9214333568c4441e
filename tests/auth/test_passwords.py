"""Password rules a person can meet, and refusals that say why in Chinese."""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from registry.auth.passwords import hash_password, password_matches, password_problem, \
    personal_words

EMAIL = "zhang.san@example.cn"
ADVICE = "互不相关的词语"


@pytest.mark.parametrize("password, reason", [
    ("short1!", "至少"),
    ("woaini1314", "常见"),
    ("1234567890", "常见"),
    ("aaaaaaaaaaaa", "常见"),
    ("zhang.san@example.cn", "邮箱"),
    ("zhang.san", "至少"),
    ("x" * 129, "超过"),
    ("woaini5201314", "常见"),  # on the list of leaked Chinese favourites
    ("1qaz2wsx3edc", "常见"),
])
def test_refused_passwords_say_why(app, password, reason):
    problem = password_problem(password, EMAIL)
    assert problem is not None and reason in problem


@pytest.mark.parametrize("password, reason", [
    ("password1234567", "常见密码或字典词语"),
    ("abcabcabca", "重复的字符或片段"),
    ("qwertyuiop1", "键盘上相邻的按键"),
    ("5201314woaini", "常见密码或字典词语"),  # the Chinese words, in another order
    ("laopo5201314", "常见密码或字典词语"),
    ("zhangwei1990", "日期和年份"),
    ("liuyang19880808", "日期和年份"),
    ("zxcvbnmasdf", "键盘上相邻的按键"),
    ("zhangsan12345", "邮箱、姓名或机构名称"),  # the email's local part without its dot
])
def test_guessable_passwords_are_refused_with_the_reason(app, password, reason):
    problem = password_problem(password, EMAIL)
    assert problem is not None and reason in problem, problem
    assert ADVICE in problem
    assert not re.search(r"[A-Za-z]", re.sub(r"（[^）]*）", "", problem))  # Chinese, no English


def test_names_and_the_organisation_count_as_easy_guesses_also_in_pinyin(app):
    inputs = ["王心怡", "烟台市心海心理咨询中心"]
    for password in ("wangxinyi2024", "xinhai5201314", "烟台市心海心理咨询中心", "Wangxinyi!2024"):
        problem = password_problem(password, "staff@xinhai.cn", inputs)
        assert problem is not None and "姓名或机构名称" in problem and ADVICE in problem
    assert "wangxinyi" in personal_words(None, ["王心怡"])
    assert {"yantai", "xinhai", "xinli", "zixun"} <= set(personal_words(None, inputs))
    assert {"zhang.san", "zhangsan", "zhang", "san"} <= set(personal_words(EMAIL, []))


@pytest.mark.parametrize("password", ["烟台心海咨询2026", "correct horse battery", "Tr0ub4dor&3xyz",
                                      "灯塔 river 橙子 7 桥", "correct-horse-battery-staple",
                                      "xinli-demo-2026"])
def test_acceptable_passwords(app, password):
    assert password_problem(password, EMAIL) is None


def test_a_long_strong_password_is_accepted_quickly_enough(app):
    # Only the start is scored (zxcvbn slows down with length): a strong start is enough.
    assert password_problem("4@8({[<3&6!|1i7+%$5" * 6, EMAIL) is None
    assert password_problem("Xq7#mLp2vR9!" + "password" * 10, EMAIL) is None


def test_the_refusal_is_translated(app):
    with app.test_request_context(), force_locale("en"):
        problem = password_problem("abcabcabca", EMAIL)
    assert problem == ("Repeated characters or fragments (such as abcabc) are easy to guess. "
                       "Use a longer phrase of several unrelated words instead "
                       "(Chinese, English or pinyin).")


def test_hash_is_salted_and_checkable(app):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"  # the production default
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second and first.startswith("scrypt:")
    assert password_matches(first, "correct horse battery")
    assert not password_matches(first, "correct horse batterY")
