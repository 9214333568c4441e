"""What a typical organisation of each type offers: services, people served, ways of
working, opening hours, fees, staff and the qualifications its staff hold."""
from __future__ import annotations

import random
from dataclasses import dataclass

from registry.demo.places import CountyProfile


@dataclass(frozen=True)
class TypeProfile:
    """Defaults for one organisation type (codes from ``registry.vocabulary``)."""

    services: tuple[str, ...]
    more_services: tuple[str, ...]
    populations: tuple[str, ...]
    more_populations: tuple[str, ...]
    modalities: tuple[str, ...]
    more_modalities: tuple[str, ...]
    hours: tuple[str, ...]
    fee_kind: str
    public: bool  # a public service: free and always a public-benefit provider
    website_share: float
    descriptions: tuple[str, ...]
    benefit_notes: tuple[str, ...]
    staff: tuple[int, int]
    female_share: float
    qualifications: tuple[tuple[str, int], ...]
    specialties: tuple[str, ...]

    def fees(self, rng: random.Random, county: CountyProfile) -> str:
        """The fee statement shown to the public."""
        return FEE_MAKERS[self.fee_kind](rng, 1.0 if county.is_district else 0.8)


def _price(rng: random.Random, low: int, high: int, factor: float, step: int = 10) -> int:
    return max(step, round(rng.randint(low, high) * factor / step) * step)


def _counselling_fees(rng: random.Random, factor: float) -> str:
    single = _price(rng, 200, 600, factor, 50)
    parts = [f"个体咨询 {single} 元/50 分钟"]
    if rng.random() < 0.6:
        parts.append(f"家庭咨询 {_price(rng, 400, 900, factor, 50)} 元/80 分钟")
    if rng.random() < 0.5:
        parts.append(f"团体辅导 {_price(rng, 60, 200, factor)} 元/人次")
    if rng.random() < 0.4:
        parts.append(f"心理测评 {_price(rng, 80, 300, factor)} 元/次")
    return "；".join(parts)


def _hospital_fees(rng: random.Random, factor: float) -> str:
    return (f"心理咨询 {_price(rng, 30, 80, factor)} 元/次，心理治疗 {_price(rng, 60, 150, factor)} "
            "元/次，按医疗服务价格项目收费，符合规定的可由医保支付")


FEE_MAKERS = {
    "counselling": _counselling_fees,
    "hospital": _hospital_fees,
    "free": lambda rng, factor: rng.choice(["免费", "免费（辖区居民）", "免费，需提前预约"]),
    "school": lambda rng, factor: "免费（面向本校学生及家长）",
    "university": lambda rng, factor: "免费（面向本校学生）",
    "workplace": lambda rng, factor: "免费（本单位职工及直系亲属）",
    "hotline": lambda rng, factor: "免费（仅收取本地通话费）",
    "social_work": lambda rng, factor: rng.choice([
        "政府购买服务项目免费；其他项目按协议收费",
        f"公益项目免费；个案辅导 {_price(rng, 50, 150, factor)} 元/次"]),
    "rehab": lambda rng, factor: rng.choice([
        "免费（辖区登记在册患者）", f"日间康复 {_price(rng, 300, 900, factor, 50)} 元/月，困难家庭减免"]),
}

OFFICE_HOURS = ("周一至周五 8:30–11:30，14:00–17:00", "周一至周五 8:30–17:00（节假日除外）")

PROFILES: dict[str, TypeProfile] = {
    "social_counselling": TypeProfile(
        services=("counselling", "assessment"),
        more_services=("marriage_family", "parenting", "child_behaviour", "sleep_stress", "grief",
                       "eap", "education", "crisis_intervention", "autism"),
        populations=("adults",),
        more_populations=("children", "adolescents", "university_students", "elderly", "women",
                          "workers"),
        modalities=("in_person",), more_modalities=("online", "phone", "group"),
        hours=("周一至周日 9:00–21:00（需预约）", "周二至周日 9:00–18:00，周一休息",
               "周一至周五 13:00–21:00，周六、周日 9:00–18:00", "每天 9:00–20:00（请提前电话预约）"),
        fee_kind="counselling", public=False, website_share=0.4,
        descriptions=("专注青少年与家庭心理咨询，提供个体咨询、家庭治疗与心理测评服务。",
                      "由国家二级心理咨询师团队提供个体咨询、婚姻家庭咨询和团体辅导。",
                      "提供情绪管理、压力与睡眠问题的心理咨询，坚持定期督导。",
                      "面向成年人和青少年提供心理咨询与心理健康讲座，实行预约制。"),
        benefit_notes=("每月第一个周六上午免费心理健康讲座", "为低保家庭、计划生育特殊家庭提供每年 6 次免费咨询",
                       "参与 12356 心理援助热线志愿值守", "每周三下午为中小学生提供公益咨询（需预约）"),
        staff=(2, 8), female_share=0.72,
        qualifications=(("counsellor_l2", 30), ("counsellor_l3", 30), ("counsellor_skill", 25),
                        ("cps_registered", 8), ("psychotherapist", 7)),
        specialties=("anxiety_depression", "family_marriage", "child_adolescent", "workplace",
                     "sleep", "trauma"),
    ),
    "mental_health_specialist": TypeProfile(
        services=("assessment", "psychotherapy", "crisis_intervention"),
        more_services=("counselling", "community_rehab", "education", "sleep_stress",
                       "child_behaviour", "hotline"),
        populations=("everyone",), more_populations=(),
        modalities=("in_person",), more_modalities=("group", "online", "phone"),
        hours=("门诊：周一至周日 8:00–12:00，13:30–17:30；急诊 24 小时",
               "门诊：周一至周五 8:00–17:30，周六上午 8:00–12:00"),
        fee_kind="hospital", public=True, website_share=0.6,
        descriptions=("承担辖区严重精神障碍患者管理治疗、心理危机干预和心理健康促进工作。",
                      "设有精神科、心理科、睡眠医学科和儿童青少年心理门诊。"),
        benefit_notes=("开展严重精神障碍患者免费服药和随访服务", "每月开展社区心理健康义诊"),
        staff=(6, 16), female_share=0.6,
        qualifications=(("psychiatrist", 45), ("psych_nurse", 35), ("psychotherapist", 20)),
        specialties=("severe_mental_illness", "anxiety_depression", "crisis", "sleep", "addiction",
                     "child_adolescent"),
    ),
    "hospital_psych_dept": TypeProfile(
        services=("assessment", "psychotherapy"),
        more_services=("counselling", "sleep_stress", "child_behaviour", "crisis_intervention"),
        populations=("adults",), more_populations=("adolescents", "children", "elderly", "women"),
        modalities=("in_person",), more_modalities=("group", "online"),
        hours=("门诊：周一至周日 8:00–12:00，13:30–17:30", "门诊：周一至周五 8:00–17:30，周六上午"),
        fee_kind="hospital", public=True, website_share=0.5,
        descriptions=("开设心理咨询、心理治疗和睡眠障碍门诊，开展心身疾病的综合诊治。",
                      "提供焦虑、抑郁、失眠等常见心理问题的评估与治疗。"),
        benefit_notes=("每季度开展一次免费心理健康义诊", "为住院患者提供免费心理评估"),
        staff=(3, 9), female_share=0.6,
        qualifications=(("psychiatrist", 50), ("psych_nurse", 25), ("psychotherapist", 25)),
        specialties=("anxiety_depression", "sleep", "severe_mental_illness", "elderly"),
    ),
    "primary_care_room": TypeProfile(
        services=("education", "counselling"),
        more_services=("assessment", "elderly_care", "community_support", "community_rehab"),
        populations=("everyone",),
        more_populations=("elderly", "left_behind_children", "special_families"),
        modalities=("in_person",), more_modalities=("phone", "home_visit", "group"),
        hours=OFFICE_HOURS, fee_kind="free", public=True, website_share=0.0,
        descriptions=("为辖区居民提供心理健康宣传、心理咨询和严重精神障碍患者随访服务。",
                      "开展老年人心理关爱和慢性病患者心理支持。"),
        benefit_notes=("全部服务免费", "为 65 岁以上老年人提供免费心理健康评估"),
        staff=(1, 3), female_share=0.65,
        qualifications=(("psychiatrist", 30), ("counsellor_l3", 40), ("psych_nurse", 30)),
        specialties=("elderly", "severe_mental_illness", "anxiety_depression"),
    ),
    "university_centre": TypeProfile(
        services=("education", "counselling", "crisis_intervention"),
        more_services=("assessment", "grief", "sleep_stress"),
        populations=("university_students",), more_populations=(),
        modalities=("in_person", "group"), more_modalities=("online", "phone"),
        hours=("学期内周一至周五 8:30–11:30，14:30–17:30；晚间值班至 21:00",
               "学期内周一至周五 8:00–17:30，寒暑假另行通知"),
        fee_kind="university", public=True, website_share=0.9,
        descriptions=("负责全校心理健康教育课程、心理咨询、心理测评和危机干预工作。",
                      "提供个体咨询、团体辅导和新生心理普查。"),
        benefit_notes=("面向本校学生免费开放", "每年 5·25 心理健康月开展系列公益活动"),
        staff=(4, 10), female_share=0.7,
        qualifications=(("counsellor_l2", 35), ("cps_registered", 30), ("psychotherapist", 15),
                        ("counsellor_l3", 20)),
        specialties=("anxiety_depression", "crisis", "child_adolescent", "sleep"),
    ),
    "school_room": TypeProfile(
        services=("education", "counselling"),
        more_services=("child_behaviour", "parenting", "crisis_intervention", "assessment"),
        populations=("adolescents",), more_populations=("left_behind_children",),
        modalities=("in_person", "group"), more_modalities=(),
        hours=("学期内周一至周五 12:10–13:00，16:30–17:30", "学期内周一至周五午休及课外活动时间"),
        fee_kind="school", public=True, website_share=0.0,
        descriptions=("开设心理健康教育课，提供学生个别辅导和家长咨询。",
                      "负责学生心理健康筛查、个别辅导和心理危机早期识别。"),
        benefit_notes=("面向本校学生及家长免费开放",),
        staff=(1, 3), female_share=0.8,
        qualifications=(("school_mh_teacher", 70), ("counsellor_l3", 20), ("counsellor_l2", 10)),
        specialties=("child_adolescent", "family_marriage", "crisis"),
    ),
    "community_room": TypeProfile(
        services=("education", "community_support"),
        more_services=("counselling", "marriage_family", "parenting", "elderly_care", "grief"),
        populations=("everyone",),
        more_populations=("elderly", "left_behind_children", "special_families", "disabled",
                          "special_groups"),
        modalities=("in_person",), more_modalities=("home_visit", "group", "phone"),
        hours=OFFICE_HOURS + ("每周二、周四 14:00–17:00",), fee_kind="free", public=True,
        website_share=0.0,
        descriptions=("为社区居民提供心理健康宣传、心理疏导和邻里矛盾调解。",
                      "开展空巢老人、留守儿童和特殊困难家庭的心理关爱服务。"),
        benefit_notes=("全部服务免费", "每月举办一次社区心理健康讲座"),
        staff=(1, 3), female_share=0.75,
        qualifications=(("social_worker", 50), ("counsellor_l3", 35), ("counsellor_skill", 15)),
        specialties=("elderly", "family_marriage", "child_adolescent"),
    ),
    "workplace_room": TypeProfile(
        services=("eap", "education"),
        more_services=("counselling", "sleep_stress", "crisis_intervention"),
        populations=("workers",), more_populations=(),
        modalities=("in_person",), more_modalities=("phone", "online", "group"),
        hours=("工作日 12:00–13:30，其余时间可预约", "工作日 9:00–17:00"),
        fee_kind="workplace", public=True, website_share=0.05,
        descriptions=("为职工提供心理健康讲座、压力管理培训和一对一心理辅导。",
                      "开展员工心理援助计划（EAP），提供心理测评和危机干预。"),
        benefit_notes=("对本单位职工及家属免费",),
        staff=(1, 3), female_share=0.55,
        qualifications=(("counsellor_l3", 40), ("counsellor_skill", 40), ("counsellor_l2", 20)),
        specialties=("workplace", "anxiety_depression", "sleep"),
    ),
    "hotline": TypeProfile(
        services=("hotline", "crisis_intervention"), more_services=("counselling", "education"),
        populations=("everyone",), more_populations=(),
        modalities=("phone",), more_modalities=("online",),
        hours=("24 小时", "每天 8:00–22:00"), fee_kind="hotline", public=True, website_share=0.3,
        descriptions=("接听辖区心理援助来电，提供心理支持、危机干预和转介服务，接入全国统一心理援助热线 12356。",
                      "由专职接线员和志愿者轮班值守，提供心理疏导和危机干预。"),
        benefit_notes=("热线服务免费",),
        staff=(4, 12), female_share=0.7,
        qualifications=(("counsellor_l2", 35), ("counsellor_l3", 30), ("psychotherapist", 15),
                        ("cps_registered", 10), ("social_worker", 10)),
        specialties=("crisis", "anxiety_depression", "trauma"),
    ),
    "community_rehab": TypeProfile(
        services=("community_rehab",),
        more_services=("education", "community_support", "assessment"),
        populations=("adults", "disabled"), more_populations=("special_families",),
        modalities=("in_person", "group"), more_modalities=("home_visit",),
        hours=("周一至周五 8:30–17:00",), fee_kind="rehab", public=False, website_share=0.15,
        descriptions=("为病情稳定的精神障碍患者提供日间照料、生活技能训练和职业康复。",
                      "开展精神障碍患者社区康复训练和家属支持小组。"),
        benefit_notes=("为困难家庭患者减免全部费用", "每月举办家属心理支持小组"),
        staff=(2, 6), female_share=0.65,
        qualifications=(("social_worker", 40), ("psych_nurse", 35), ("psychiatrist", 25)),
        specialties=("severe_mental_illness", "family_marriage"),
    ),
    "social_work_org": TypeProfile(
        services=("community_support", "education"),
        more_services=("marriage_family", "parenting", "elderly_care", "grief", "counselling",
                       "crisis_intervention"),
        populations=("everyone",),
        more_populations=("elderly", "left_behind_children", "special_families", "special_groups",
                          "disabled", "children"),
        modalities=("in_person", "home_visit"), more_modalities=("group", "phone"),
        hours=("周一至周五 9:00–17:30",), fee_kind="social_work", public=False, website_share=0.3,
        descriptions=("承接政府购买社会工作服务项目，开展社区心理疏导和特殊人群帮扶。",
                      "专注老年人、留守儿童和困境家庭的社会工作与心理支持服务。"),
        benefit_notes=("承接政府购买服务项目，服务对象免费", "每年开展留守儿童心理关爱公益项目"),
        staff=(3, 9), female_share=0.78,
        qualifications=(("social_worker", 75), ("counsellor_l3", 15), ("counsellor_skill", 10)),
        specialties=("family_marriage", "elderly", "child_adolescent", "addiction"),
    ),
}
