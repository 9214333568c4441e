"""Name parts for demo data: people, brand names (字号), communities and villages."""
from __future__ import annotations

import random

# Common surnames with rough national frequencies (per cent).
SURNAMES: dict[str, float] = {
    "王": 7.1, "李": 7.4, "张": 7.0, "刘": 5.4, "陈": 4.5, "杨": 3.1, "黄": 2.2, "赵": 2.0,
    "吴": 2.0, "周": 1.9, "徐": 1.3, "孙": 1.3, "马": 1.1, "朱": 1.1, "胡": 1.0, "郭": 1.0,
    "何": 0.9, "高": 0.9, "林": 0.9, "罗": 0.9, "郑": 0.8, "梁": 0.7, "谢": 0.6, "宋": 0.5,
    "唐": 0.5, "许": 0.5, "韩": 0.5, "冯": 0.5, "邓": 0.5, "曹": 0.5, "彭": 0.5, "曾": 0.45,
    "肖": 0.45, "田": 0.45, "董": 0.45, "袁": 0.4, "潘": 0.4, "于": 0.4, "蒋": 0.4, "蔡": 0.4,
    "余": 0.4, "杜": 0.4, "叶": 0.4, "程": 0.35, "苏": 0.35, "魏": 0.35, "吕": 0.35, "丁": 0.35,
    "任": 0.35, "沈": 0.3, "姚": 0.3, "卢": 0.3, "姜": 0.3, "崔": 0.3, "钟": 0.3, "谭": 0.3,
    "陆": 0.3, "汪": 0.3, "范": 0.3, "金": 0.3, "石": 0.3, "廖": 0.3, "贾": 0.3, "夏": 0.25,
    "韦": 0.25, "付": 0.25, "方": 0.25, "白": 0.25, "邹": 0.25, "孟": 0.25, "熊": 0.2, "秦": 0.2,
    "邱": 0.2, "江": 0.2, "尹": 0.2, "薛": 0.2, "闫": 0.2, "段": 0.2, "雷": 0.2, "侯": 0.2,
    "龙": 0.2, "史": 0.2, "陶": 0.2, "黎": 0.2, "贺": 0.2, "顾": 0.15, "毛": 0.15, "郝": 0.15,
    "龚": 0.15, "邵": 0.15, "万": 0.15, "钱": 0.15, "严": 0.15, "武": 0.15, "戴": 0.15, "孔": 0.15,
    "牟": 0.05, "隋": 0.04, "曲": 0.05, "初": 0.02, "邢": 0.1, "欧阳": 0.05, "诸葛": 0.005,
}

# Regional flavour: multipliers by province code (山东 37, 四川 51).
SURNAME_BOOSTS: dict[str, dict[str, float]] = {
    "37": {"孙": 2.0, "于": 2.5, "王": 1.3, "张": 1.2, "刘": 1.2, "徐": 1.3, "宋": 1.5, "牟": 8.0,
           "姜": 2.0, "隋": 5.0, "曲": 4.0, "初": 6.0, "邢": 2.0, "诸葛": 4.0},
    "51": {"陈": 1.3, "杨": 1.4, "罗": 2.0, "何": 1.8, "邓": 1.8, "蒋": 1.5, "唐": 1.5, "彭": 1.5,
           "曾": 1.5, "冯": 1.3, "廖": 1.6, "龚": 1.5},
}

FEMALE_CHARS = tuple("丽娜静敏燕芳婷雪琳晶颖慧洁倩玲欣瑶璐萍红霞莉佳悦蕾彤琪琦雯楠梦艳秀月怡雨露馨蓉菲岚薇娟媛婉妍诗晗萱涵")
MALE_CHARS = tuple("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭龙林阳峰建国志文博亮成东海晨锋彬毅振永德庆昊轩然")
NEUTRAL_CHARS = tuple("晓子一思嘉佳雨欣文宇春秋海新立家晨若可心金玉")

# Two-character brand names (字号) are made of one part from each list.
BRAND_FIRST = tuple("心阳暖知明安静润晴馨悦和益启正博乐康慧怡诚爱善清雅舒恒德欣朗")
BRAND_SECOND = tuple("海光晴语航桥园源途苑泉屿林禾行家友程境帆缘桐岸灯星")

# Whole brands that read better than a random pair.
BRAND_WORDS = ("向日葵", "心理树", "知心屋", "蒲公英", "小橘灯", "彩虹桥", "心灵驿站", "星空",
               "暖阳", "晨曦", "青柠", "明灯", "海鸥", "蓝鲸", "绿洲", "木棉", "百合", "橄榄枝")

COMMUNITY_NAMES = (
    "向阳", "东山", "新华", "幸福", "阳光", "和平", "胜利", "文化", "建设", "民主", "光明", "北山",
    "南山", "东关", "西关", "滨河", "锦绣", "富民", "康乐", "朝阳", "红旗", "青年", "振华", "兴华",
    "金桥", "银河", "翠苑", "丽景", "紫荆", "桃园", "柳园", "杏林", "花园", "湖滨", "海韵", "明珠",
    "凤凰", "新城", "怡园", "长青", "福安", "安居", "育才", "书香", "春晖", "平安", "民安", "泰和",
    "东风", "前进", "工人", "永安", "同心", "鑫苑", "丽园", "学府", "佳苑", "惠民", "祥和", "新村",
)

# Village names: 山东 style (姓 + 家庄 …) and 四川 style (two characters + 村).
VILLAGE_PREFIXES = ("", "", "", "东", "西", "南", "北", "前", "后", "大", "小")
VILLAGE_SUFFIXES = ("家庄", "家疃", "家沟", "家洼", "家埠", "家屯", "庄", "官庄", "家岭", "家寨")
SICHUAN_VILLAGES = (
    "红星", "光明", "双河", "石桥", "白鹤", "青龙", "金鸡", "黄桷", "松林", "新民", "永兴", "太平",
    "长乐", "高峰", "柏林", "三星", "五一", "东岳", "桂花", "竹林", "回龙", "玉泉", "花果", "清河",
    "团结", "友谊", "新桥", "观音", "石牛", "马鞍", "天池", "白果", "大林", "金星", "平桥", "新华",
)

INDUSTRIES = ("机械", "食品", "纺织", "化工", "电子科技", "物流", "建材", "药业", "汽车零部件",
              "新能源科技", "医疗器械", "农业科技", "包装", "精密制造", "环保科技")

CHINESE_NUMERALS = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十")


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (for 1 ≤ n ≤ 99)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CHINESE_NUMERALS[ones]
    head = "" if tens == 1 else CHINESE_NUMERALS[tens]
    return head + "十" + (CHINESE_NUMERALS[ones] if ones else "")


class NameMaker:
    """Chinese personal names drawn from weighted surnames and gendered given-name characters."""

    def __init__(self, province_code: str):
        boosts = SURNAME_BOOSTS.get(province_code, {})
        self._surnames = list(SURNAMES)
        self._weights = [weight * boosts.get(name, 1.0) for name, weight in SURNAMES.items()]
        self._cumulative = _cumulative(self._weights)

    def surname(self, rng: random.Random) -> str:
        """A surname, common ones more often."""
        return rng.choices(self._surnames, cum_weights=self._cumulative)[0]

    def full_name(self, rng: random.Random, female: bool) -> str:
        """Surname + one or two given-name characters."""
        return self.surname(rng) + given_name(rng, female)


def given_name(rng: random.Random, female: bool) -> str:
    """A one- or two-character given name fitting the gender."""
    pool = FEMALE_CHARS if female else MALE_CHARS
    roll = rng.random()
    if roll < 0.28:
        return rng.choice(pool)
    if female and roll < 0.33:
        char = rng.choice(pool)
        return char + char  # 婷婷, 晶晶
    first = rng.choice(NEUTRAL_CHARS) if rng.random() < 0.4 else rng.choice(pool)
    second = rng.choice(pool)
    return first + second if second != first else first + rng.choice(NEUTRAL_CHARS)


def brand(rng: random.Random) -> str:
    """A shop name (字号) such as 心海 or 向日葵."""
    if rng.random() < 0.08:
        return rng.choice(BRAND_WORDS)
    return rng.choice(BRAND_FIRST) + rng.choice(BRAND_SECOND)


def village(rng: random.Random, maker: NameMaker, sichuan: bool) -> str:
    """A village name without the trailing 村."""
    if sichuan:
        return rng.choice(SICHUAN_VILLAGES)
    return rng.choice(VILLAGE_PREFIXES) + maker.surname(rng)[:1] + rng.choice(VILLAGE_SUFFIXES)


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out
