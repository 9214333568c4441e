"""Controlled vocabularies: stable English codes stored in the database and the API,
Chinese labels for the interface (translated to English through the Babel catalog).

Sources are in ``shared/notes/vocabulary.md``. Lists may grow; a code never changes
meaning once stored.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary."""

    code: str
    label: object  # a lazy string: rendered in the request's locale


class Vocabulary:
    """An ordered list of terms looked up by code."""

    def __init__(self, name: str, terms: list[Term]):
        self.name = name
        self.terms = tuple(terms)
        self._by_code = {term.code: term for term in self.terms}
        if len(self._by_code) != len(self.terms):
            raise ValueError(f"duplicate code in vocabulary {name}")

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self):
        return iter(self.terms)

    @property
    def codes(self) -> tuple[str, ...]:
        """Every code, in display order."""
        return tuple(term.code for term in self.terms)

    def label(self, code: str) -> str:
        """The label of ``code`` in the current locale; an unknown code is shown as itself."""
        term = self._by_code.get(code)
        return str(term.label) if term else code

    def choices(self) -> list[tuple[str, str]]:
        """``(code, label)`` pairs for form fields."""
        return [(term.code, str(term.label)) for term in self.terms]


ORGANISATION_TYPES = Vocabulary("organisation_type", [
    Term("social_counselling", _l("社会心理咨询服务机构")),
    Term("mental_health_specialist", _l("精神卫生专业机构")),
    Term("hospital_psych_dept", _l("综合医院精神（心理）科")),
    Term("primary_care_room", _l("基层医疗卫生机构心理咨询室")),
    Term("university_centre", _l("高校心理健康教育与咨询中心")),
    Term("school_room", _l("中小学心理辅导室")),
    Term("community_room", _l("城乡社区心理咨询（辅导）室")),
    Term("workplace_room", _l("机关企事业单位心理健康辅导室")),
    Term("hotline", _l("心理援助热线")),
    Term("community_rehab", _l("精神障碍社区康复机构")),
    Term("social_work_org", _l("社会工作服务机构")),
])

SERVICES = Vocabulary("service", [
    Term("education", _l("心理健康宣传教育")),
    Term("assessment", _l("心理评估")),
    Term("counselling", _l("心理咨询")),
    Term("psychotherapy", _l("心理治疗")),
    Term("crisis_intervention", _l("心理危机干预")),
    Term("hotline", _l("心理援助热线")),
    Term("marriage_family", _l("婚姻家庭辅导")),
    Term("parenting", _l("亲子与家庭教育指导")),
    Term("eap", _l("员工心理援助（EAP）")),
    Term("grief", _l("哀伤辅导")),
    Term("sleep_stress", _l("睡眠与压力管理")),
    Term("child_behaviour", _l("儿童青少年心理行为问题干预")),
    Term("autism", _l("孤独症干预")),
    Term("elderly_care", _l("老年心理关爱")),
    Term("community_rehab", _l("精神障碍社区康复")),
    Term("community_support", _l("心理疏导（社区/特殊人群）")),
])

POPULATIONS = Vocabulary("population", [
    Term("children", _l("儿童")),
    Term("adolescents", _l("青少年/学生")),
    Term("university_students", _l("大学生")),
    Term("adults", _l("成年人")),
    Term("elderly", _l("老年人")),
    Term("women", _l("妇女（孕产期、更年期）")),
    Term("disabled", _l("残疾人")),
    Term("workers", _l("职业人群")),
    Term("left_behind_children", _l("留守与流动儿童")),
    Term("special_families", _l("计划生育特殊家庭")),
    Term("special_groups", _l("特殊人群（社区矫正、刑满释放、戒毒康复等）")),
    Term("everyone", _l("所有人群")),
])

MODALITIES = Vocabulary("modality", [
    Term("in_person", _l("面询（到机构）")),
    Term("phone", _l("电话")),
    Term("online", _l("网络/视频")),
    Term("home_visit", _l("上门服务")),
    Term("group", _l("团体辅导")),
])

LANGUAGES = Vocabulary("language", [
    Term("zh", _l("普通话")),
    Term("yue", _l("粤语")),
    Term("local_dialect", _l("当地方言")),
    Term("en", _l("英语")),
    Term("sign", _l("手语")),
    Term("minority", _l("少数民族语言")),
])

QUALIFICATION_KINDS = Vocabulary("qualification_kind", [
    Term("counsellor_l2", _l("心理咨询师（国家职业资格二级）")),
    Term("counsellor_l3", _l("心理咨询师（国家职业资格三级）")),
    Term("counsellor_skill", _l("心理咨询师职业技能等级证书")),
    Term("psychotherapist", _l("心理治疗师")),
    Term("psychiatrist", _l("精神科执业（助理）医师")),
    Term("cps_registered", _l("中国心理学会注册心理师/督导师")),
    Term("social_worker", _l("社会工作师")),
    Term("psych_nurse", _l("精神科护士")),
    Term("school_mh_teacher", _l("中小学心理健康教育教师")),
])

SPECIALTIES = Vocabulary("specialty", [
    Term("anxiety_depression", _l("焦虑与抑郁")),
    Term("family_marriage", _l("婚姻家庭")),
    Term("child_adolescent", _l("儿童青少年")),
    Term("trauma", _l("创伤与哀伤")),
    Term("crisis", _l("危机干预")),
    Term("workplace", _l("职场压力")),
    Term("sleep", _l("睡眠问题")),
    Term("addiction", _l("成瘾行为")),
    Term("elderly", _l("老年心理")),
    Term("severe_mental_illness", _l("严重精神障碍康复")),
])

COMPLAINT_CATEGORIES = Vocabulary("complaint_category", [
    Term("unqualified_practice", _l("无资质或超范围执业")),
    Term("false_advertising", _l("虚假宣传")),
    Term("privacy_breach", _l("泄露隐私")),
    Term("ethics", _l("违反职业伦理")),
    Term("fees", _l("收费问题")),
    Term("service_quality", _l("服务质量")),
    Term("unregistered", _l("未登记或冒用登记信息")),
    Term("other", _l("其他")),
])
