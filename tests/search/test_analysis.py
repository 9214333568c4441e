"""Normalisation, tokens and pinyin: what the analyser makes of what people type."""
from registry.search import analysis


def test_normalise_folds_full_width_traditional_and_case():
    assert analysis.normalise("  心理諮詢　ＸＩＮ１２  ") == "心理咨询 xin12"


def test_text_tokens_are_bigrams_with_optional_characters():
    assert analysis.text_tokens("心海咨询") == {"心海", "海咨", "咨询"}
    assert "海" in analysis.text_tokens("心海咨询", unigrams=True)
    assert "abc" in analysis.text_tokens("ABC 心理")


def test_query_words_are_segmented_before_bigrams():
    # 级咨 is not in 国家二级心理咨询师; segmenting first avoids asking for it.
    assert analysis.query_pieces("二级咨询师") == ["二级", "咨询", "询师"]


def test_pinyin_split_and_tokens():
    assert analysis.split_pinyin("xinhai") == ["xin", "hai"]
    assert analysis.split_pinyin("xhxl") is None
    tokens = analysis.pinyin_tokens(analysis.name_syllables("心海心理"))
    assert {"p:xin|hai", "i:xh", "i:xhx", "p:xin"} <= tokens


def test_name_sort_number_follows_pinyin_order():
    from registry.search.documents import name_sort_number

    ordered = ["安心", "白云", "心海", "张三"]
    assert sorted(ordered, key=name_sort_number) == ordered


def test_cached_phrase_readings_equal_pypinyins_reading_of_the_whole_run():
    from pypinyin import lazy_pinyin

    runs = ["重庆市长寿区心理咨询中心", "长春朝阳银行行长心理工作室", "烟台市心海心理咨询有限公司",
            "乐山音乐治疗中心", "单县单丽娟", "曾经的曾氏家庭", "觉得睡觉", "的确目的", "行"]
    for run in runs:
        assert analysis.run_syllables(run) == lazy_pinyin(run), run
    # The same phrases again come from the cache and are still right.
    assert analysis.run_syllables("重庆银行") == lazy_pinyin("重庆银行") == \
        ["chong", "qing", "yin", "hang"]
