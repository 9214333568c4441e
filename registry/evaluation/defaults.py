"""The shipped default rubric (默认评估细则): one definition for ``flask evaluation
default-rubric`` and for the demo data."""
from __future__ import annotations

RUBRIC_NAME = "心理健康服务机构评估细则"
RUBRIC_DESCRIPTION = ("依据《关于加强心理健康服务的指导意见》制定的机构年度评估细则，"
                      "满分 100 分：90 分及以上为优秀，75 分及以上为良好，60 分及以上为合格，60 分以下为不合格。")
THRESHOLDS = {"excellent_min": 90.0, "good_min": 75.0, "pass_min": 60.0}
# (name, maximum points, description); the maxima add up to 100.
CRITERIA = (
    ("资质与人员配备", 20, "从业人员资质、数量与专兼职结构，督导与继续教育。"),
    ("场所与设施", 15, "服务场所的独立性、隐私保护与无障碍条件。"),
    ("管理制度与档案", 15, "服务流程、收费公示、个案档案与投诉处理制度。"),
    ("职业伦理与服务规范", 20, "知情同意、保密、转介与危机处置规范。"),
    ("服务质量与来访者满意度", 20, "服务效果评估、回访与满意度调查。"),
    ("公益服务", 10, "公益讲座、免费服务与参与心理援助的情况。"),
)
