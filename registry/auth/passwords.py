"""Password rules a person can meet: at least 10 characters, not the email address, and hard
to guess as zxcvbn estimates it, with Chinese habits (pinyin names and words, number phrases
such as 5201314) and the person's own email, name and organisation counted as easy guesses.
Hashing is werkzeug's scrypt."""
from __future__ import annotations

import re
from functools import cache
from typing import Iterable, Optional

import rjieba
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from pypinyin import lazy_pinyin
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import matching, scoring, time_estimates
from zxcvbn.matching import sequence_match, spatial_match

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_SCORE = 3
# zxcvbn's cost grows with the square of the length (and steeply with l33t characters: 0.6 s
# for 32 of them, 2.6 s for 72), so only the start is scored. A password whose first 32
# characters are hard to guess is hard to guess; one whose start is weak is refused, which
# errs on the safe side.
SCORED_LENGTH = 32

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

# What Chinese passwords are made of and zxcvbn's English lists lack, most guessed first (a
# word's rank is its guess count): number phrases (520 "I love you", 1314 "for life", 888 and
# 666 "luck"), words and phrases in pinyin, the commonest surnames and given-name syllables,
# and the commonest full names.
CHINESE_WORDS = tuple("""
5201314 1314520 520 1314 521 888 666 8888 6666 168 7758521 3344520 1314521 147258369 159357
woaini aini wohenai woaiwojia iloveu mima wodemima nihao zhongguo china beijing shanghai
guangzhou shenzhen tianjin chongqing laopo laogong baobei qinai qinaide qq weixin taobao baidu
tiantian xiaoxiao kuaile xingfu aiqing pengyou mama baba gege jiejie didi meimei xiaobao
xiaoming xiaohong xiaoyu xiaomei xiaolong yangyang lele feifei huanhuan nana tingting lili
dandan jingjing wangwang longlong caonima shabi niubi haoren woshishui xinli zixun jiankang
yiyuan weisheng zhengfu gongzuo diannao shouji mimamima zhongguoren
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin luo gao zheng liang
xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei
su lu ding ren shen yao jin fu zhong cui tan qiu qin dai xia fang shi
min jing qiang lei jun yong yan jie juan tao ming chao xiu hui ping gang hong hua xin ling
jian bo hao ting dan ying mei lan kai long xue yun qing fei na
zhangwei wangwei wangfang lina liwei zhangmin lijing wangjing liuwei wangxiuying zhangli
lixiuying wangli zhangjing zhangxiuying liqiang wangmin limin wanglei liuyang wangyang
zhangyong lijun zhangjie wangyong liyang zhanglei wangjun liming zhangtao wangtao
""".split())

_CJK = re.compile(r"[\u3400-\u9fff]+")
_EMAIL_PIECES = re.compile(r"[^a-z]+")

# Why a password is easy to guess, by the kind of pattern zxcvbn found in it.
REASONS = {
    "personal": _l("包含你的邮箱、姓名或机构名称，容易被猜到。"),
    "dictionary": _l("这个密码由常见密码或字典词语（包括常见的拼音和姓名）组成，容易被猜到。"),
    "spatial": _l("键盘上相邻的按键（如 qwerty、1qaz）容易被猜到。"),
    "repeat": _l("重复的字符或片段（如 abcabc）容易被猜到。"),
    "sequence": _l("按顺序排列的字符（如 abcdef、654321）容易被猜到。"),
    "date": _l("日期和年份容易被猜到。"),
}
ADVICE = _l("请改用更长的、由几个互不相关的词语组成的短语（中文、英文或拼音都可以）。")


def password_problem(password: str, email: Optional[str] = None,
                     user_inputs: Iterable[Optional[str]] = ()) -> Optional[str]:
    """Why ``password`` is not acceptable, or None when it is.

    ``user_inputs`` are other things about the person an attacker would try first: their
    name, their organisation's name (Chinese names are also tried in pinyin).
    """
    if len(password) < MIN_LENGTH:
        return str(_l("密码至少需要 %(n)d 个字符。", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("密码不能超过 %(n)d 个字符。", n=MAX_LENGTH))
    lowered = password.strip().lower()
    if email and lowered in {email.lower(), email.lower().split("@")[0]}:
        return str(_l("密码不能与邮箱相同。"))
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        return str(_l("这个密码太常见，容易被猜到，请换一个。"))
    personal = personal_words(email, user_inputs)
    score, sequence = strength(password[:SCORED_LENGTH], personal)
    if score < MIN_SCORE:
        return _weakness(sequence, set(personal))
    return None


def strength(password: str, personal: list[str]) -> tuple[int, list[dict]]:
    """zxcvbn's score (0–4) and the patterns it found.

    A score of 3 means about 10^8 guesses or more: out of reach of guessing online (logins are
    rate-limited) and hours to days per account offline against scrypt hashes, should the
    database leak; 2 (10^6) falls offline within minutes. 4 (10^10) would refuse many
    passwords people can remember. ``zxcvbn()`` itself keeps the user inputs in a dictionary
    shared by all threads, so the same steps are taken here with a private one.
    """
    ranked = dict(matching.RANKED_DICTIONARIES)
    ranked["user_inputs"] = matching.build_ranked_dict(personal + list(CHINESE_WORDS))
    result = scoring.most_guessable_match_sequence(
        password, matching.omnimatch(password, ranked))
    return time_estimates.estimate_attack_times(result["guesses"])["score"], result["sequence"]


def personal_words(email: Optional[str], user_inputs: Iterable[Optional[str]]) -> list[str]:
    """What an attacker knows of the person: the email address, its local part and the words
    in it, and each input as written, without spaces, and in pinyin (whole and word by word)."""
    words: list[str] = []
    if email:
        local = email.lower().split("@")[0]
        pieces = _EMAIL_PIECES.split(local)
        words += [email.lower(), local, "".join(pieces)] + pieces
    for text in user_inputs:
        text = (text or "").strip().lower()
        words += [text, "".join(text.split())]
        if _CJK.search(text):
            words += _pinyin_words(text)
    return list(dict.fromkeys(word for word in words if len(word) >= 2))


def _pinyin_words(text: str) -> list[str]:
    """Chinese text by rjieba word and by every two characters, each also in pinyin, and the
    whole in pinyin (烟台市心海 → 烟台市, 心海, 烟台, …, yantaishixinhai, yantaishi, xinhai,
    yantai, …): people type the words of a name however a segmenter would cut them."""
    pieces = [piece for piece in rjieba.cut(text) if piece.strip()]
    pairs = [text[i:i + 2] for i in range(len(text) - 1) if _CJK.fullmatch(text[i:i + 2])]
    return pieces + pairs + ["".join(lazy_pinyin(part)) for part in [text] + pieces + pairs]


def _weakness(sequence: list[dict], personal: set[str]) -> str:
    """Every kind of easy guess found, in a fixed order, then how to do better."""
    found = {_kind(match, personal) for match in sequence}
    reasons = [str(reason) for kind, reason in REASONS.items() if kind in found]
    reasons = reasons or [str(_l("这个密码太容易被猜到。"))]
    locale = get_locale()
    separator = "" if locale is None or locale.language == "zh" else " "
    return separator.join(reasons + [str(ADVICE)])


def _kind(match: dict, personal: set[str]) -> Optional[str]:
    pattern, token = match["pattern"], match["token"]
    # 1234567 and qwertyuiop are in the password lists, and 12345 is also a walk on the
    # keypad: the run or the walk is the reason a person can act on.
    if pattern in ("dictionary", "spatial") and token.isdigit() and _covers(sequence_match, token):
        return "sequence"
    if pattern == "dictionary" and not token.isdigit() and _covers(spatial_match, token):
        return "spatial"
    if pattern == "dictionary":
        mine = match["dictionary_name"] == "user_inputs" and match["matched_word"] in personal
        return "personal" if mine else "dictionary"
    if pattern == "regex":
        return "date" if match.get("regex_name") == "recent_year" else None
    return pattern if pattern in REASONS else None


def _covers(matcher, token: str) -> bool:
    """Whether one match of ``matcher`` spans the whole token."""
    return any(found["i"] == 0 and found["j"] == len(token) - 1 for found in matcher(token))


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
