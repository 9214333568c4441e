"""Password rules a person can meet: at least 10 characters, not the email address, not a
commonly used password. Hashing is werkzeug's scrypt."""
from __future__ import annotations

from functools import cache
from typing import Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 128

# Passwords that lists of leaked credentials show people choose most often, including the
# Chinese favourites (pinyin, number phrases such as 5201314 "I love you for life").
COMMON_PASSWORDS = frozenset("""
1234567890 12345678910 123456789a 0123456789 0987654321 1111111111 1234554321 1q2w3e4r5t
1qaz2wsx3edc a123456789 a1234567890 aa12345678 abc1234567 abcd123456 abcdefghij asdfghjkl;
iloveyou12 password12 password123 password1234 passw0rd12 qwertyuiop qwerty1234 qwerty12345
zxcvbnm123 qazwsxedc1 woaini1314 woaini5201314 5201314520 13145201314 1314520520 wangyang123
zhangwei123 liuyang123 admin12345 administrator welcome123 changeme12 letmein123 iloveyou123
88888888888 6666666666 666666666666 8888888888 9999999999 0000000000 caonima123 baidu12345
qq123456789 aini1314520 xiaoming123 huang12345 china12345 zhongguo123 beijing2008
""".split())


def password_problem(password: str, email: Optional[str] = None) -> Optional[str]:
    """Why ``password`` is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return str(_l("密码至少需要 %(n)d 个字符。", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("密码不能超过 %(n)d 个字符。", n=MAX_LENGTH))
    lowered = password.strip().lower()
    if email and lowered in {email.lower(), email.lower().split("@")[0]}:
        return str(_l("密码不能与邮箱相同。"))
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        return str(_l("这个密码太常见，容易被猜到，请换一个。"))
    return None


def hash_password(password: str) -> str:
    """A salted hash by ``PASSWORD_HASH_METHOD`` (scrypt unless configured otherwise)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    return check_password_hash(password_hash, password)


def dummy_hash() -> str:
    """Checked when an email is unknown, so that a failed login takes as long either way."""
    return _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("no account has this password 7c1e", method=method)
