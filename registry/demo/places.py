"""Places for demo data: the demo cities and their county-level regions, with area codes,
streets, towns and rough population weights. Regions come from the database; this module
only adds colour, and falls back to generic values for any other city."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import sqlalchemy as sa

from registry.demo.names import NameMaker
from registry.extensions import db
from registry.regions.models import Region, RegionLevel
from registry.regions.services import counties_of


class PlacesError(RuntimeError):
    """The regions needed for the demo are missing or unsuitable."""


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Per city: telephone area code, first digits of local numbers, abbreviation used in
# decision numbers (烟卫罚〔2025〕12号), the association's name, and universities
# (name, county code) for 高校心理健康教育与咨询中心.
CITY_EXTRAS: dict[str, dict] = {
    "370600": {
        "area_code": "0535", "landline_starts": "62358", "abbr": "烟",
        "association": "烟台市心理咨询师协会",
        "universities": (("烟台大学", "370613"), ("鲁东大学", "370602"), ("山东工商学院", "370613"),
                         ("滨州医学院（烟台校区）", "370613"), ("烟台职业学院", "370613")),
    },
    "371300": {
        "area_code": "0539", "landline_starts": "87258", "abbr": "临",
        "association": "临沂市心理咨询师协会",
        "universities": (("临沂大学", "371302"), ("临沂职业学院", "371302"),
                         ("山东医学高等专科学校", "371302")),
    },
    "370400": {
        "area_code": "0632", "landline_starts": "3843", "abbr": "枣",
        "association": "枣庄市心理咨询师协会",
        "universities": (("枣庄学院", "370402"), ("枣庄职业学院", "370403"),
                         ("枣庄科技职业学院", "370481")),
    },
    "510700": {
        "area_code": "0816", "landline_starts": "2263", "abbr": "绵",
        "association": "绵阳市心理卫生协会",
        "universities": (("西南科技大学", "510703"), ("绵阳师范学院", "510704"),
                         ("绵阳城市学院", "510703"), ("四川幼儿师范高等专科学校", "510781")),
    },
}

# Per county: population in 10,000s (2020 census, rounded), towns (街道/镇) and roads.
COUNTY_EXTRAS: dict[str, dict] = {
    # 烟台市
    "370602": {
        "population": 91,
        "towns": _words("向阳街道 东山街道 毓璜顶街道 通伸街道 凤凰台街道 奇山街道 白石街道 芝罘岛街道 黄务街道 只楚街道 世回尧街道 幸福街道"),
        "roads": _words("南大街 北马路 西大街 胜利路 环山路 毓璜顶东路 青年南路 解放路 只楚路 幸福中路 通世路 海港路 二马路 大海阳路"),
    },
    "370611": {
        "population": 44,
        "towns": _words("清洋街道 福新街道 东厅街道 门楼街道 回里镇 高疃镇 张格庄镇"),
        "roads": _words("福海路 河滨路 永达街 振华街 福新路 汇福街"),
    },
    "370612": {
        "population": 43,
        "towns": _words("宁海街道 文化街道 武宁街道 大窑街道 姜格庄街道 龙泉镇 观水镇"),
        "roads": _words("正阳路 通海路 金埠大街 北关大街 牟山路 宁海大街"),
    },
    "370613": {
        "population": 47,
        "towns": _words("初家街道 黄海路街道 滨海路街道 莱山街道 解甲庄街道 院格庄街道"),
        "roads": _words("迎春大街 观海路 港城东大街 滨海中路 清泉路 山海路 盛泉路"),
    },
    "370614": {
        "population": 45,
        "towns": _words("登州街道 紫荆山街道 新港街道 蓬莱阁街道 南王街道 刘家沟镇 大辛店镇"),
        "roads": _words("钟楼北路 登州路 海市路 北关路 南关路"),
    },
    "370681": {
        "population": 67,
        "towns": _words("东莱街道 龙港街道 新嘉街道 徐福街道 东江街道 黄山馆镇 诸由观镇"),
        "roads": _words("港城大道 振华路 府前路 东莱街 环城北路 南山路"),
    },
    "370682": {
        "population": 81,
        "towns": _words("城厢街道 古柳街道 龙旺庄街道 冯格庄街道 柏林庄街道 穴坊镇 姜疃镇"),
        "roads": _words("旌旗路 富山路 鹤山路 五龙路 昌山路 龙门路"),
    },
    "370683": {
        "population": 84,
        "towns": _words("文昌路街道 永安路街道 三山岛街道 城港路街道 文峰路街道 沙河镇 平里店镇"),
        "roads": _words("文化东街 光州街 府前西街 掖城路 文泉路 文昌路"),
    },
    "370685": {
        "population": 56,
        "towns": _words("泉山街道 罗峰街道 梦芝街道 温泉街道 大秦家街道 玲珑镇 张星镇"),
        "roads": _words("温泉路 金城路 府前路 罗峰路 初山路 魁星路"),
    },
    "370686": {
        "population": 54,
        "towns": _words("翠屏街道 庄园街道 松山街道 观里镇 桃村镇 臧家庄镇"),
        "roads": _words("霞光路 迎宾路 庄园路 文化路 翠屏大街"),
    },
    "370687": {
        "population": 58,
        "towns": _words("东村街道 方圆街道 凤城街道 留格庄镇 盘石店镇 发城镇"),
        "roads": _words("海政路 海河路 虎山路 海阳路 亚沙路 东方路"),
    },
    # 临沂市
    "371302": {
        "population": 176,
        "towns": _words("兰山街道 银雀山街道 金雀山街道 柳青街道 白沙埠镇 枣园镇 半程镇 汪沟镇"),
        "roads": _words("沂蒙路 解放路 通达路 涑河南街 兰山路 金雀山路 银雀山路 蒙山大道 北京路 新华路 沂州路"),
    },
    "371311": {
        "population": 69,
        "towns": _words("罗庄街道 盛庄街道 傅庄街道 册山街道 高都街道 褚墩镇"),
        "roads": _words("湖北路 罗七路 双月湖路 龙潭路 罗程路"),
    },
    "371312": {
        "population": 80,
        "towns": _words("九曲街道 芝麻墩街道 凤凰岭街道 梅家埠街道 太平街道 汤头街道 相公街道"),
        "roads": _words("人民大街 东兴路 沂河路 温泉路 凤凰大街 滨河东路"),
    },
    "371321": {
        "population": 82,
        "towns": _words("界湖街道 大庄镇 苏村镇 铜井镇 依汶镇 马牧池乡"),
        "roads": _words("澳柯玛大街 历山路 振兴路 人民路"),
    },
    "371322": {
        "population": 84,
        "towns": _words("郯城街道 马头镇 重坊镇 李庄镇 港上镇 红花镇"),
        "roads": _words("郯东路 人民路 解放路 建设路"),
    },
    "371323": {
        "population": 100,
        "towns": _words("沂城街道 龙家圈街道 许家湖镇 黄山铺镇 道托镇 高庄镇"),
        "roads": _words("正阳路 沂河路 长安路 东环路 健康路"),
    },
    "371324": {
        "population": 120,
        "towns": _words("卞庄街道 苍山街道 向城镇 长城镇 神山镇 兰陵镇"),
        "roads": _words("会宝路 兰陵路 振兴路 文峰路 金山路"),
    },
    "371325": {
        "population": 76,
        "towns": _words("费城街道 上冶镇 探沂镇 胡阳镇 梁邱镇"),
        "roads": _words("银光路 建设路 南京路 北京路 金山路"),
    },
    "371326": {
        "population": 84,
        "towns": _words("平邑街道 仲村镇 地方镇 保太镇 柏林镇"),
        "roads": _words("莲花山路 浚河路 金花路 东阳路"),
    },
    "371327": {
        "population": 84,
        "towns": _words("十字路街道 大店镇 坪上镇 板泉镇 相沟镇"),
        "roads": _words("人民路 文化路 民主大街 振兴路"),
    },
    "371328": {
        "population": 49,
        "towns": _words("蒙阴街道 常路镇 岱崮镇 坦埠镇 垛庄镇"),
        "roads": _words("叠翠路 新城路 蒙山路 振兴路"),
    },
    "371329": {
        "population": 60,
        "towns": _words("临沭街道 郑山街道 石门镇 曹庄镇 青云镇"),
        "roads": _words("沭河大街 常林大街 滨河路 兴大路"),
    },
    # 枣庄市
    "370402": {
        "population": 53,
        "towns": _words("中心街街道 光明路街道 文化路街道 龙山路街道 矿区街道 税郭镇 孟庄镇"),
        "roads": _words("光明路 文化路 君山路 青檀路 建华路 振兴路 龙头路"),
    },
    "370403": {
        "population": 52,
        "towns": _words("临城街道 常庄街道 新城街道 沙沟镇 周营镇 邹坞镇"),
        "roads": _words("泰山路 黄河路 长江路 光明大道 临山路 珠江路"),
    },
    "370404": {
        "population": 38,
        "towns": _words("坛山街道 吴林街道 古邵镇 阴平镇 底阁镇"),
        "roads": _words("承水路 坛山路 榴园路 峨山路"),
    },
    "370405": {
        "population": 30,
        "towns": _words("运河街道 泥沟镇 涧头集镇 马兰屯镇 张山子镇"),
        "roads": _words("华兴路 台北路 兴中路 文化路 运河大道"),
    },
    "370406": {
        "population": 39,
        "towns": _words("山城街道 店子镇 西集镇 桑村镇 北庄镇"),
        "roads": _words("府前路 翼云路 北京路 新城路"),
    },
    "370481": {
        "population": 161,
        "landline_starts": "5528",
        "towns": _words("荆河街道 龙泉街道 北辛街道 善南街道 东沙河街道 洪绪镇 南沙河镇 官桥镇 界河镇 级索镇"),
        "roads": _words("学院中路 龙泉路 善国北路 荆河中路 解放路 塔寺路 杏坛路 平行路 北辛路 大同路"),
    },
    # 绵阳市
    "510703": {
        "population": 103,
        "towns": _words("城厢街道 工区街道 城郊街道 朝阳街道 石塘街道 青义镇 丰谷镇"),
        "roads": _words("临园路 剑南路 长虹大道 涪城路 安昌路 跃进路 警钟街 大北街"),
    },
    "510704": {
        "population": 58,
        "towns": _words("游仙街道 富乐街道 春雷街道 涪江街道 魏城镇 沉抗镇"),
        "roads": _words("东津路 富乐路 游仙路 芙蓉大道 花园路"),
    },
    "510705": {
        "population": 39,
        "towns": _words("花荄镇 黄土镇 秀水镇 桑枣镇 界牌镇"),
        "roads": _words("益昌路 安昌路 文胜路 花荄大道"),
    },
    "510722": {
        "population": 96,
        "towns": _words("潼川镇 芦溪镇 塔山镇 西平镇 新德镇"),
        "roads": _words("梓州大道 北坝路 东门街 新华路"),
    },
    "510723": {
        "population": 37,
        "towns": _words("云溪镇 富驿镇 金孔镇 黄甸镇"),
        "roads": _words("嫘祖大道 凤凰路 建设路"),
    },
    "510725": {
        "population": 29,
        "towns": _words("文昌镇 许州镇 长卿镇 卧龙镇"),
        "roads": _words("七曲大道 文昌路 建设路"),
    },
    "510726": {
        "population": 18,
        "towns": _words("永昌镇 曲山镇 擂鼓镇 禹里镇 桂溪镇"),
        "roads": _words("禹龙街 新川路 尔玛街"),
    },
    "510727": {
        "population": 14,
        "towns": _words("龙安镇 响岩镇 南坝镇 古城镇"),
        "roads": _words("龙安路 报恩寺路 涪江路"),
    },
    "510781": {
        "population": 77,
        "towns": _words("太白街道 中坝镇 三合镇 太平镇 青莲镇 武都镇 彰明镇 含增镇"),
        "roads": _words("李白大道 太白路 诗城路 江东路 涪江路"),
    },
}

GENERIC_ROADS = ("人民路", "解放路", "建设路", "文化路", "和平路", "中山路", "新华路", "胜利路",
                 "长江路", "黄河路", "青年路", "振兴路", "府前路", "北京路", "滨河路", "迎宾路",
                 "工业路", "育才路")
GENERIC_TOWNS = ("城关街道", "城东街道", "城西街道", "城南街道", "城北街道")
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "153", "155", "156", "157", "158", "159", "166", "177", "180", "181",
                   "182", "183", "185", "186", "187", "188", "189", "198", "199")
BUILDINGS = ("阳光大厦", "金融大厦", "财富中心", "科技大厦", "时代广场", "万达广场", "国际商务中心",
             "银座大厦", "华府大厦", "创业大厦", "世纪广场", "鑫源大厦")


@dataclass
class CityProfile:
    """A demo city: its region, telephone area code and the bodies that act for it."""

    code: str
    name: str
    province_code: str
    province_name: str
    area_code: str | None
    landline_starts: str
    abbr: str
    association_name: str
    universities: tuple[tuple[str, str], ...]
    names: NameMaker
    counties: list["CountyProfile"] = field(default_factory=list)

    @property
    def short(self) -> str:
        """烟台 for 烟台市."""
        return self.name[:-1] if self.name.endswith("市") and len(self.name) > 2 else self.name

    @property
    def sichuan_style(self) -> bool:
        """Villages named the south-western way (石桥村) rather than 王家庄."""
        return self.province_code in {"51", "50", "52", "53"}

    @property
    def main_district(self) -> "CountyProfile":
        """The first district (the city's seat), else the first county."""
        return next((c for c in self.counties if c.is_district), self.counties[0])


@dataclass
class CountyProfile:
    """A county-level region of a demo city."""

    code: str
    name: str
    city: CityProfile
    weight: float
    towns: tuple[str, ...]
    roads: tuple[str, ...]
    landline_starts: str
    abbr: str = ""

    @property
    def is_district(self) -> bool:
        """Districts (区) are governed by the city's departments."""
        return self.name.endswith("区")

    @property
    def trade_prefix(self) -> str:
        """The place name a local business puts before its brand (烟台市 for a district)."""
        return self.city.name if self.is_district else self.name

    @property
    def health_body(self) -> str:
        """The health department that decides sanctions here."""
        return (f"{self.city.name}卫生健康委员会" if self.is_district
                else f"{self.name}卫生健康局")

    @property
    def civil_affairs_body(self) -> str:
        """The civil-affairs department (for social-work organisations)."""
        return f"{(self.city.name if self.is_district else self.name)}民政局"

    @property
    def decision_abbr(self) -> str:
        """The one- or two-character abbreviation in decision numbers."""
        return self.city.abbr if self.is_district else self.abbr

    def full_address(self, town: str, street: str, extra: str = "") -> str:
        """山东省烟台市芝罘区向阳街道南大街 88 号 (with an optional building or room)."""
        city = self.city
        return f"{city.province_name}{city.name}{self.name}{town}{street}{extra}"

    def phone(self, rng: random.Random, mobile_share: float = 0.0) -> str:
        """A landline in the city's area code or, sometimes, a mobile, in the national format
        the registry stores (0535 661 2345, 139 5351 2345)."""
        if self.city.area_code is None or rng.random() < mobile_share:
            digits = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"
            return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        local = rng.choice(self.landline_starts) + f"{rng.randrange(10 ** 6):06d}"
        return f"{self.city.area_code} {local[:3]} {local[3:]}"


def load_city_profiles(codes: list[str]) -> list[CityProfile]:
    """Profiles of the demo cities, built from the regions table; raises PlacesError."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Region)) == 0:
        raise PlacesError("No regions in the database: run `flask regions load` first.")
    cities = []
    for code in codes:
        region = db.session.get(Region, code)
        if region is None or region.level is not RegionLevel.CITY:
            raise PlacesError(f"{code} is not a city-level region (地级行政区) in the regions table.")
        city = _city_profile(region)
        city.counties = [_county_profile(county, city) for county in counties_of([code])]
        if not city.counties:
            raise PlacesError(f"{region.name} ({code}) has no county-level regions loaded.")
        _assign_abbreviations(city)
        cities.append(city)
    return cities


def _city_profile(region: Region) -> CityProfile:
    extras = CITY_EXTRAS.get(region.code, {})
    province = db.session.get(Region, region.code[:2] + "0000")
    province_name = province.name if province else ""
    return CityProfile(
        code=region.code, name=region.name, province_code=region.code[:2],
        province_name="" if province_name == region.name else province_name,
        area_code=extras.get("area_code"), landline_starts=extras.get("landline_starts", "2345678"),
        abbr=extras.get("abbr", region.name[:1]),
        association_name=extras.get("association", f"{region.name}心理咨询师协会"),
        universities=extras.get("universities", ()), names=NameMaker(region.code[:2]),
    )


def _county_profile(region: Region, city: CityProfile) -> CountyProfile:
    extras = COUNTY_EXTRAS.get(region.code, {})
    population = extras.get("population", 50)
    # Services cluster in towns: districts weigh more than rural counties.
    factor = 1.5 if region.name.endswith("区") else 1.2 if region.name.endswith("市") else 0.8
    return CountyProfile(
        code=region.code, name=region.name, city=city, weight=population * factor,
        towns=extras.get("towns", GENERIC_TOWNS), roads=extras.get("roads", GENERIC_ROADS),
        landline_starts=extras.get("landline_starts", city.landline_starts),
    )


def _assign_abbreviations(city: CityProfile) -> None:
    """First character of the county's name, two when that is ambiguous within the city."""
    firsts = [county.name[:1] for county in city.counties if not county.is_district]
    for county in city.counties:
        one = county.name[:1]
        ambiguous = firsts.count(one) > 1 or one == city.abbr
        county.abbr = county.name[:2] if ambiguous else one
