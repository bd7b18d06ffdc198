"""Text to data: numerals, figures, securities, and `caixun facts`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from caixun.enrich.facts import extract
from caixun.enrich.figures import extract_figures
from caixun.enrich.numbers import parse_numeral
from caixun.enrich.securities import extract_securities
from tests.conftest import SHARED

FLOORS = json.loads((Path(__file__).parent / "data" / "figure_floors.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("text,value", [
    ("1.6万", "16000"), ("一千二百万", "12000000"), ("两百", "200"), ("3,500", "3500"), ("1.2万亿", "1200000000000"),
    ("二点五", "2.5"), ("三千万亿", "3000000000000000"), ("一万五", "15000"), ("十五", "15"), ("三千零五", "3005"),
    ("一千零十", "1010"), ("两百五", "250"), ("廿二", "22"), ("5万4千6百", "54600"), ("100万三千", "1003000"),
    ("负1,200", "-1200"), ("15k", "15000"), ("一九九八", "1998"),
])  # fmt: skip
def test_numerals(text, value):
    assert parse_numeral(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "百百", "十百", "abc", "点", "万万万x"])
def test_not_numerals(text):
    assert parse_numeral(text) is None


def figs(text, **kw):
    return [(f.text, f.kind, f.value, f.value_max, f.unit, f.approx, f.direction) for f in extract_figures(text, **kw)]


def test_money_percent_and_direction():
    got = figs("某县一般公共预算收入完成12.6亿元，同比下降3.2%；税收收入增长1.5个百分点。")
    assert ("12.6亿元", "money", "1260000000", None, "CNY", None, None) in got
    assert ("3.2%", "percent", "3.2", None, "%", None, "down") in got
    assert ("1.5个百分点", "percent", "1.5", None, "pp", None, "up") in got
    got = [(f.text, f.unit, f.direction) for f in extract_figures("328级为19057元/吨，跌2元；报3850元/吨，收入增加50元")]
    assert got == [("328", None, None), ("19057元/吨", "CNY/t", None), ("2元", "CNY/t", "down"), ("3850元/吨", "CNY/t", None),
                   ("50元", "CNY", "up")]  # the change of a price is per tonne too; another amount is not  # fmt: skip
    got = [(f.text, f.unit, f.direction) for f in extract_figures("布伦特原油报每桶85.2美元，较前一交易日上涨1.3美元；焦炭报2100元/吨，比上周下调了100元")]
    assert got == [("85.2美元", "USD/bbl", None), ("1.3美元", "USD/bbl", "up"), ("2100元/吨", "CNY/t", None),
                   ("100元", "CNY/t", "down")]  # compared with the day or week before: still the price's change  # fmt: skip
    got = figs("恒生指数低开3.77%，道指高开0.5%")
    assert [(f[0], f[-1]) for f in got] == [("3.77%", "down"), ("0.5%", "up")]  # opening lower or higher


def test_prices_counts_ranges_and_approximations():
    got = figs("螺纹钢报3850元/吨，原油涨至88.5美元/桶；接待游客约1.2万人次，预计投资3至5亿元，三成企业，两百多户。")
    assert ("3850元/吨", "money", "3850", None, "CNY/t", None, None) in got
    assert ("88.5美元/桶", "money", "88.5", None, "USD/bbl", None, None) in got
    assert ("约1.2万人次", "quantity", "12000", None, "人次", "about", None) in got
    assert ("3至5亿元", "money", "300000000", "500000000", "CNY", None, None) in got
    assert ("三成", "percent", "30", None, "%", None, None) in got
    assert ("两百多户", "quantity", "200", None, "户", "over", None) in got
    assert [f.unit for f in extract_figures("每头生猪净利润达500元至700元")] == ["CNY/head"]  # six words after 每头


def test_coordinated_figures_share_unit_and_direction():
    got = figs("目标价分别下调至27.3及56.2港元；两地分别下降7%和8%；投资分别为3.2和4.5亿元。")
    assert ("27.3", "money", "27.3", None, "HKD", None, None) in got
    assert ("8%", "percent", "8", None, "%", None, "down") in got
    assert ("3.2", "money", "320000000", None, "CNY", None, None) in got
    got = [(f.text, f.value, f.unit) for f in extract_figures("客运量分别达1409万、1305万人次，余额分别为3.7、2.6亿元")]
    assert got == [("1409万", "14090000", "人次"), ("1305万人次", "13050000", "人次"), ("3.7", "370000000", "CNY"),
                   ("2.6亿元", "260000000", "CNY")]  # a list falling from first to last shares its 亿 too  # fmt: skip
    got = [(f.text, f.unit) for f in extract_figures("增速分别高于全国12.7个、12个百分点；新建3个、5个项目")]
    assert got == [("12.7个", "pp"), ("12个百分点", "pp"), ("3个", "个"), ("5个", "个")]


def test_years_and_dates_are_not_figures():
    got = figs("2023年1-11月，全市完成投资52亿元，12月5日公布。")
    assert [g[0] for g in got] == ["52亿元"]


def test_indicator_subject_period_and_rank():
    text = "甲乙县去年GDP完成120.5亿元、增长6.2%，总量排名全省第三。"
    fs = {f.text: f for f in extract_figures(text, today=date(2024, 1, 20))}
    gdp = fs["120.5亿元"]
    assert (gdp.indicator, gdp.subject, gdp.period) == ("GDP", "甲乙县", "2023")
    rank = fs["第三"]
    assert (rank.kind, rank.value, rank.scope) == ("rank", "3", "全省")
    assert "第一季度" not in [f.text for f in extract_figures("第一季度营收增长")]


def test_rank_scope_is_what_stands_between_the_verb_and_the_rank():
    got = {(f.text, f.scope) for f in extract_figures("广东省稳居第一，江苏省25878.38亿元排名第二，总量排名晋中第一、全省第七，排在全国第12位") if f.kind == "rank"}
    assert got == {("第一", None), ("第二", None), ("第一", "晋中"), ("第七", "全省"), ("第12位", "全国")}
    assert [f for f in extract_figures("他是第一个到场的，第二季度") if f.kind == "rank"] == []
    first = [(f.text, f.value, f.scope) for f in extract_figures("总量连续37年居全国首位，销量位居榜首，首位患者") if f.kind == "rank"]
    assert first == [("首位", "1", "全国"), ("榜首", "1", None)]


def test_amounts_in_yi_after_money_words_are_yuan():
    got = {f.text: (f.kind, f.unit) for f in extract_figures("沪股通净流出73.66亿，成交额8000亿，人口规模1400万，成交量3.2亿股")}
    assert got["73.66亿"] == ("money", "CNY") and got["8000亿"] == ("money", "CNY")
    assert got["1400万"] == ("number", None) and got["3.2亿股"] == ("quantity", "股")


def test_clock_times_weekdays_and_currency_names_are_not_figures():
    text = "北京时间周三23：00，上午9:30升至2.724%，在岸人民币汇率升破6.30 美元指数跌破89，每周三次"
    got = [(f.text, f.kind, f.unit) for f in extract_figures(text)]
    assert ("2.724%", "percent", "%") in got and ("6.30", "number", None) in got and ("三", "number", None) in got  # 每周三次: three times a week
    assert not any(t in ("23", "00", "30", "9") for t, _, _ in got) and [t for t, _, _ in got].count("三") == 1
    assert [f.subject for f in extract_figures("北京时间周三GDP增长5%")] == [None]


def test_months_without_a_year_are_of_the_article_year():
    day = date(2011, 6, 20)
    periods = {f.text: f.period for f in extract_figures("5月份生产汽车134.89万辆；今年前4个月营收1509.05亿元；12月份出口增长5%；5月9日上涨3%", day)}
    assert periods == {"134.89万辆": "2011-05", "1509.05亿元": "2011-01/2011-04", "5%": "2010-12", "3%": "2011-05-09"}  # a day's


def test_words_that_only_look_like_units():
    text = "一方面为风险准备，这一块业务质量好，累计投入2,050亿元处置不良贷款，花了三块钱，以资产计中国第二大银行"
    got = [(f.text, f.kind, f.unit, f.scope) for f in extract_figures(text)]
    assert got == [("2,050亿元", "money", "CNY", None), ("三块钱", "money", "CNY", None), ("第二", "rank", None, "中国")]


def test_negative_changes_and_report_periods():
    got = [(f.text, f.value, f.direction, f.period) for f in extract_figures("2022年半年度营收41.77亿元；代销收入同比-4%；温度-4%")]
    # the clauses after ； are of the period the first one names
    assert got == [("41.77亿元", "4177000000", None, "2022H1"), ("-4%", "-4", "down", "2022H1"), ("-4%", "-4", None, "2022H1")]


def test_duo_before_a_time_word_is_not_more_than():
    got = [(f.text, f.approx) for f in extract_figures("一位多年从事加工的人士说，三个多月来猪价17块多，5家多年合作的企业")]
    assert got == [("17块多", "over"), ("5家", None)]


def test_a_formal_digit_before_a_counter_is_a_name():
    assert [(f.text, f.kind) for f in extract_figures("陆家嘴财经早餐，壹万元，陆家企业")] == [("壹万元", "money")]


def test_a_list_shares_its_last_unit_and_a_baseline_is_no_period():
    day = date(2011, 7, 11)
    listed = [(f.value, f.unit) for f in extract_figures("翘尾分别为3.7、2.6、3.2和3.1个百分点", day)]
    assert listed == [("3.7", "pp"), ("2.6", "pp"), ("3.2", "pp"), ("3.1", "pp")]
    assert [f.period for f in extract_figures("6月份，出厂价格比去年同月上涨7.1%", day)] == ["2011-06"]
    assert [f.period for f in extract_figures("其价格比去年同期上涨了57.1%", day)] == [None]


def test_a_price_per_unit_written_before_the_amount():
    got = [(f.text, f.unit) for f in extract_figures("生猪价格为每公斤9.8元，每股收益为0.5元，每年投入5亿元")]
    assert got == [("9.8元", "CNY/kg"), ("0.5元", "CNY/share"), ("5亿元", "CNY")]


def test_durations_with_ge_and_earnings_per_share_after_the_amount():
    got = [(f.text, f.unit) for f in extract_figures("最近三个季度共取得88亿美元，预计实现5.50美元左右的每股收益，三个项目")]
    assert got == [("88亿美元", "USD"), ("5.50美元左右", "USD/share"), ("三个", "个")]


def test_tenths_of_a_yuan_as_the_unit():
    got = {f.text: (f.value, f.unit) for f in extract_figures("涨了两毛五，2角，两角五分，港币两毫，五毛钱")}
    assert got == {"两毛五": ("0.25", "CNY"), "2角": ("0.2", "CNY"), "两角五分": ("0.25", "CNY"), "港币两毫": ("0.2", "HKD"),
                   "五毛": ("0.5", "CNY")}  # fmt: skip
    assert extract_figures("长三角一体化，珠三角，冰山一角，一毛不拔，5角星") == []


def test_ranges_with_a_unit_on_both_sides_halves_and_fractions_of_measures():
    got = [(f.text, f.value, f.value_max, f.unit) for f in extract_figures("兩升到三升，1.6m-3.9m，半公升，四分之一公升，由3%升至5%")]
    assert got == [("兩升到三升", "2", "3", "L"), ("1.6m-3.9m", "1.6", "3.9", "m"), ("半公升", "0.5", None, "L"),
                   ("四分之一公升", "0.25", None, "L"), ("3%", "3", None, "%"), ("5%", "5", None, "%")]  # fmt: skip
    assert extract_figures("半导体、半年") == []
    change_then_level = [(f.text, f.value_max, f.direction) for f in extract_figures("原油库存增加322.9万桶至4.195亿桶")]
    assert change_then_level == [("322.9万桶", None, "up"), ("4.195亿桶", None, None)]


def test_scientific_notation_negative_chinese_and_scales_lent_across_a_range():
    got = [(f.text, f.value, f.value_max) for f in extract_figures("2.7890e-1，-12e-1，负十，一千到两千万元，七千到九千亿元，8500到3万")]
    assert got == [("2.7890e-1", "0.2789", None), ("-12e-1", "-1.2", None), ("负十", "-10", None),
                   ("一千到两千万元", "10000000", "20000000"), ("七千到九千亿元", "700000000000", "900000000000"),
                   ("8500到3万", "8500", "30000")]  # fmt: skip
    assert [f.text for f in extract_figures("iPhone 5e")] == []  # a model name, not 5e0


def test_zero_half_and_formal_numerals():
    got = [(f.text, f.value, f.approx) for f in extract_figures("降至零。超过一半的企业，拾萬，仟分之贰")]
    assert got == [("零", "0", None), ("一半", "0.5", "over"), ("拾萬", "100000", None), ("仟分之贰", "0.2", None)]
    # the longest approximation word: 不超过 is under, not the 超过 it ends with
    assert [(f.value, f.approx) for f in extract_figures("不超过一半，利率不超过半个百分点")] == [("0.5", "under"), ("0.5", "under")]
    assert extract_figures("零售额，零件，零增长") == []
    money = [(f.text, f.value, f.value_max) for f in extract_figures("五元六角-五元七毛八分")]
    assert money == [("五元六角-五元七毛八分", "5.6", "5.78")]


def test_jin_and_liang_make_one_weight_and_a_measure_after_ge_is_the_unit():
    got = [(f.text, f.value, f.unit) for f in extract_figures("3斤5两，最多六個加侖，三个月")]
    assert got == [("3斤5两", "3.5", "jin"), ("最多六個加侖", "6", "gal")]


def test_hong_kong_money_and_colloquial_heights():
    got = [(f.text, f.value, f.value_max, f.unit) for f in extract_figures("起碼三蚊零四，五蚊六毫至五蚊七毫八，五仙，米九左右，米六到三米九")]
    assert got == [("三蚊零四", "3.04", None, "HKD"), ("五蚊六毫至五蚊七毫八", "5.6", "5.78", "HKD"), ("五仙", "0.05", None, "HKD"),
                   ("米九左右", "1.9", None, "m"), ("米六到三米九", "1.6", "3.9", "m")]  # fmt: skip
    assert [f.text for f in extract_figures("八仙过海，大米九成")] == ["九成"]


def test_cents_as_fen_and_and_a_half_with_ge():
    got = [(f.text, f.value, f.unit, f.direction) for f in extract_figures("股价涨了5分，每股派息二十分，五分钱，下降一个半百分点，五個半")]
    assert got == [("5分", "0.05", "CNY", "up"), ("二十分", "0.2", "CNY/share", None), ("五分钱", "0.05", "CNY", None),
                   ("一个半百分点", "1.5", "pp", "down"), ("五個半", "5.5", None, None)]  # fmt: skip
    # the adverb 十分, clock times and durations are no figures; a score stays a number
    assert extract_figures("十分重要，晚上8点5分，16时18分，一个半小时，三个半月，这个半导体") == []
    assert [(f.text, f.kind) for f in extract_figures("比赛中得了5分")] == [("5", "number")]


def test_cantonese_dollars_and_fractions_without_zhi():
    got = [(f.text, f.value, f.unit) for f in extract_figures("港幣三個一毫四，個九，減持三分一，四分一升，一又十分一")]
    assert got == [("港幣三個一毫四", "3.14", "HKD"), ("個九", "1.9", "HKD"), ("三分一", "0.333333333333", None),
                   ("四分一升", "0.25", "L"), ("一又十分一", "1.1", None)]  # fmt: skip
    assert extract_figures("意见十分一致") == []
    got = [(f.text, f.value) for f in extract_figures("二份一，十份十一")]
    assert got == [("二份一", "0.5"), ("十份十一", "1.1")]
    assert [f.text for f in extract_figures("三份一样的合同")] == ["三份"]  # 份 the measure word


def test_half_a_point_and_a_half_alone():
    got = [(f.text, f.value, f.unit, f.direction, f.indicator) for f in extract_figures("GDP增速回落半个百分点；利率下调半個百分點；只剩半个。")]
    assert got == [("半个百分点", "0.5", "pp", "down", "GDP"), ("半個百分點", "0.5", "pp", "down", None),
                   ("半个", "0.5", None, None, None)]  # fmt: skip
    assert extract_figures("用了半个月，半个世纪，半个小时") == []  # durations


def test_powers_mixed_fractions_spoons_and_half_a_hundred():
    got = [(f.text, f.value, f.unit) for f in extract_figures("2^5，2.5^-1，-1.1^--2，1 3/5，一茶匙，两汤匙，年过半百")]
    assert got == [("2^5", "32", None), ("2.5^-1", "0.4", None), ("-1.1^--2", "-1.21", None), ("1 3/5", "1.6", None),
                   ("一茶匙", "5", "mL"), ("两汤匙", "30", "mL"), ("半百", "50", None)]  # fmt: skip
    assert [f.value for f in extract_figures("共7 万 5 千人，13/5")] == ["75000", "2.6"]  # other spaces still go


def test_cents_of_other_currencies_and_prices_in_cents():
    got = [(f.text, f.value, f.unit, f.direction) for f in extract_figures(
        "原油期货上涨38美分，棉花期货结算价101.5美分/磅，较上周下跌0.6美分/磅；大豆报968.75美分/蒲式耳，"
        "每股派息12港仙，股价跌3便士，两美元又三美分，5英镑20便士")]  # fmt: skip
    assert got == [("38美分", "0.38", "USD", "up"), ("101.5美分/磅", "1.015", "USD/lb", None),
                   ("0.6美分/磅", "0.006", "USD/lb", "down"), ("968.75美分/蒲式耳", "9.6875", "USD/bu", None),
                   ("12港仙", "0.12", "HKD/share", None), ("3便士", "0.03", "GBP", "down"),
                   ("两美元又三美分", "2.03", "USD", None), ("5英镑20便士", "5.2", "GBP", None)]  # fmt: skip
    assert [(f.text, f.value, f.unit) for f in extract_figures("10日元5日本銭")] == [("10日元5日本銭", "10.05", "JPY")]


def test_one_or_zero_with_ge_at_the_end_of_a_clause_is_a_count():
    got = [(f.text, f.value, f.unit) for f in extract_figures("其中一个。零个，港股一家；仅此一项")]
    assert got == [("一个", "1", "个"), ("零个", "0", "个"), ("一家", "1", "家"), ("一项", "1", "项")]
    # before a word (or a word in quotes) 一 is an article, and 零件 is a part
    assert extract_figures("一家企业，一批“六新”项目，一个“三年计划”，零件，零售") == []


def test_long_digit_runs_do_not_backtrack():
    # A nested repetition over digits once made a failed match exponential (a
    # hang, not a slowdown): these inputs must simply finish.
    for text in ("1" * 3000, "一二三四五六七八九十" * 300, "三分" * 500, "1又" * 500):
        extract_figures(text)


def test_more_indicators_and_numbers_inside_words():
    got = [(f.text, f.indicator) for f in extract_figures("全市生产总值达到5.67万亿元，居民消费价格上涨0.1%，PM2.5浓度下降7.4%，M2同比增长8%")]
    assert got == [("5.67万亿元", "生产总值"), ("0.1%", "居民消费价格"), ("7.4%", "PM2.5"), ("8%", "M2")]
    assert extract_figures("地方一般公共预算，一带一路") == []


def test_a_weekday_before_an_arabic_amount():
    got = [(f.text, f.value) for f in extract_figures("其中周一1,200亿元，周二500亿元")]
    assert got == [("1,200亿元", "120000000000"), ("500亿元", "50000000000")]


def test_a_figure_never_starts_with_a_line_break():
    text = "同比增长\n19.8%，港币 200元"
    assert [(f.text, f.start) for f in extract_figures(text)] == [("19.8%", 5), ("港币 200元", 11)]


def test_offsets_point_at_the_text_even_with_spaces():
    text = "募资 3 000万元，增长 7 %"
    for f in extract_figures(text):
        assert text[f.start : f.end] == f.text


def test_securities():
    got = [(s.code, s.name) for s in extract_securities("贵州茅台(600519)涨2%，中信证券（600030）、某银行(000001.SZ)与腾讯控股(00700.HK)")]
    assert ("600519.SH", "贵州茅台") in got and ("600030.SH", "中信证券") in got
    assert ("000001.SZ", "某银行") in got and ("00700.HK", "腾讯控股") in got
    assert [s.code for s in extract_securities("港交所 2888.HK 收涨")] == ["02888.HK"]
    assert [s.code for s in extract_securities("建设银行(601939.SS)")] == ["601939.SH"]  # Reuters' Shanghai suffix
    names = [s.name for s in extract_securities("比如联合石化(600028.SS)，包括贵州茅台(600519)和五粮液(000858)，龙头股份(600630)")]
    assert names == ["联合石化", "贵州茅台", "五粮液", "龙头股份"]
    facts = extract("贵州茅台(600519)盘中涨逾2%")
    assert [f["text"] for f in facts["figures"]] == ["逾2%"]  # the code is an entity, not a figure
    got = [(s.code, s.name) for s in extract_securities("腾讯控股(00700)收涨3.2%，美团-W（3690）跌2%，百度集团-SW(09888)；报告(2021)与(12345)")]
    assert got == [("00700.HK", "腾讯控股"), ("03690.HK", "美团-W"), ("09888.HK", "百度集团-SW")]  # Hong Kong's leading zero or share suffix
    assert [f["text"] for f in extract("腾讯控股(00700)收涨3.2%")["figures"]] == ["3.2%"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.,%-~元亿万千百十一二三四五六七八九零两几多余约超第名 \n，。年月日分之折成点吨/桶美港股()（）"
                                              "毛角毫仙蚊斤升米半個周:：eE省市县区北京上海介休晋中全我每股")), max_size=80)
       | st.text(max_size=200))  # fmt: skip
def test_no_input_crashes_extraction_and_offsets_hold(text):
    result = extract(text, date(2024, 1, 1))
    for f in result["figures"]:
        assert 0 <= f["start"] < f["end"] <= len(text)
        assert text[f["start"] : f["end"]] == f["text"]
        Decimal(f["value"])
        if f["value_max"] is not None:
            Decimal(f["value_max"])
    for e in result["entities"]:
        assert text[e["start"] : e["end"]] == e["text"]


_NAMEISH = st.text(alphabet=st.sampled_from(list("贵州茅台五粮液的和AbSHZK*")), max_size=12)
_CODE_PIECES = st.one_of(
    st.tuples(_NAMEISH, st.sampled_from(["(", "（", "(沪:", "（深", "(HK.", "("]), st.from_regex(r"[0-9]{3,7}", fullmatch=True),
              st.sampled_from(["", ".SH", ".HK", ".SS"]), st.sampled_from([")", "）", "", "】"])).map("".join),  # fmt: skip
    _NAMEISH,
    st.sampled_from([" ", "，", "。", ")", "(", "0", "12"]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_CODE_PIECES, max_size=30).map("".join))
@example("AAAAAAAAA五1212(0000)")  # a name of 10 with 4 digits: the window once began too late
def test_securities_windowed_search_finds_what_a_full_scan_finds(text):
    # _bracketed searches only around brackets that open a code; it must give
    # exactly the matches of the pattern scanned over the whole text.
    from caixun.enrich import securities

    def spans(ms):
        return [(m.start(), m.end(), m.group("name"), m.group("code")) for m in ms]

    assert spans(securities._bracketed(text)) == spans(securities._BRACKETED.finditer(text))



# The first formulation of patterns that were rewritten to open with a
# character (so that the regex engine skips ahead to it): same matches.
_W = "[ \\t\\u3000\\u00a0]"
_AS_FIRST_WRITTEN = {
    "_SPACE_IN_FIGURE": rf"(?<![A-Za-z]){_W}+|{_W}+(?![A-Za-z])",
    "_HALF_GE": r"(?<![{cn}\d一])半[个個]",
    "_FRACTION_MARK": r"分之|(?<=\d)/(?=\d)",
    "_FEN_M": r"(?<![{cn}\d点點])(?P<den>[二三四五六七八九十])(?P<sep>[分份])(?P<num>十?[一二三四五六七八九]|十)(?![{cn}\d秒钟])",
}


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\u3000\u00a0中一三十百半个個分份之钟点/12")), max_size=16))
def test_patterns_rewritten_for_speed_match_as_first_written(text):
    import re

    from caixun.enrich import figures

    for name, first in _AS_FIRST_WRITTEN.items():
        fast = getattr(figures, name)
        slow = re.compile(first.replace("{cn}", figures._CN_ALL))
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)], name



@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="元亿美万个a%", min_size=1, max_size=4), min_size=1, max_size=30),
       st.text(alphabet="元亿美万个a%bx", max_size=8))  # fmt: skip
def test_alternations_written_as_tries_match_the_flat_alternation(words, text):
    import re

    from caixun.enrich.figures import _alt, _units_alt

    flat = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    flat_units = "|".join(re.escape(w) + ("(?![A-Za-z])" if w[-1].isalpha() and w[-1].isascii() else "")
                          for w in sorted(words, key=len, reverse=True))  # fmt: skip
    for trie, plain in ((_alt(words), flat), (_units_alt(words), flat_units)):
        a, b = re.compile(f"(?:{trie})"), re.compile(f"(?:{plain})")
        for i in range(len(text) + 1):
            ma, mb = a.match(text, i), b.match(text, i)
            assert (ma and ma.span()) == (mb and mb.span())



@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(["山西", "北京", "时间", "内蒙古", "省", "市", "县", "区", "介休", "晋中", "的", "，", "a", "1", "场", "生产", "份", "域",
                                 "全", "我"]), max_size=30).map("".join))  # fmt: skip
def test_subject_tried_only_at_possible_starts_finds_the_scans_last_match(before):
    from caixun.enrich import context

    scanned = [m.group() for m in context._SUBJECT.finditer(before)]
    assert context._subject(before) == (scanned[-1] if scanned else None)


_MONTH_PARTS = ["1", "12", "5", "前", "年", "月", "份", "日", "号", "-", "至", "到", "个", "九", "十", "一", "两", "x", "，"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_MONTH_PARTS), max_size=14).map("".join))
def test_bare_months_read_from_their_first_character_as_with_the_lookbehind_first(text):
    import re

    from caixun.enrich import context

    plain = re.compile(rf"(?<![\d年])(?:(\d{{1,2}})(?:-|—|~|～|至|到)(\d{{1,2}})月|(\d{{1,2}})月份?|前({context._FIRST_MONTHS})个?月)(?![\d日号])")
    assert [(m.span(), m.groups()) for m in context._BARE_MONTHS.finditer(text)] == [
        (m.span(), m.groups()) for m in plain.finditer(text)]


def test_very_long_lines_and_unusual_unicode():
    text = ("增长5%，" * 20000) + "\u200b\ufeff𠀀𠀁🙂" * 100 + "1" * 5000
    result = extract(text)
    assert len(result["figures"]) >= 20000


def run_facts(lines: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "caixun.cli", "facts", *args], input=lines, capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def test_facts_jsonl_contract():
    lines = (json.dumps({"id": "a", "text": "营收增长8.5%", "date": "2023-05-01"}, ensure_ascii=False) + "\n"
             + "not json\n" + json.dumps({"text": "3850元/吨"}, ensure_ascii=False) + "\n")  # fmt: skip
    proc = run_facts(lines, "--jsonl")
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(out) == 3 and proc.returncode == 1
    assert out[0]["id"] == "a" and out[0]["figures"][0]["value"] == "8.5" and out[0]["figures"][0]["direction"] == "up"
    assert "error" in out[1] and out[1]["id"] is None
    assert out[2]["figures"][0]["unit"] == "CNY/t" and out[2]["id"] is None


def test_facts_on_a_file(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("全年GDP增长5.2%", encoding="utf-8")
    proc = run_facts("", str(f), "--json", "--date", "2023-12-31")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0 and doc["figures"][0]["period"] == "2023"


def test_peer_suites_stay_above_their_floors():
    scorer = SHARED / "tools" / "score_figures.py"
    if not scorer.exists():
        pytest.skip("../shared/tools is not here")
    cmd = f"{sys.executable} -m caixun.cli facts --jsonl"
    proc = subprocess.run([sys.executable, str(scorer), "--cmd", cmd, "--json"], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).resolve().parents[1], env={**__import__("os").environ, "PYTHONPATH": "src"})  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    rate = result["passed"] / result["cases"]
    assert rate >= FLOORS["peer_all"], rate
    for suite, floor in FLOORS["peer_suites"].items():
        assert result["suites"][suite]["rate"] >= floor, (suite, result["suites"][suite])


@pytest.mark.parametrize("gold_file,corpus,floors", [("figures_gold.json", "finews", "gold"),
                                                     ("figures_gold_extra.json", "extra", "gold_extra")])
def test_annotated_sets_stay_above_their_floors(gold_file, corpus, floors):
    scorer = SHARED / "tools" / "score_figures.py"
    if not scorer.exists() or not (SHARED / "corpus" / corpus).is_dir():
        pytest.skip("../shared is not here")
    gold = Path(__file__).parent / "data" / gold_file
    cmd = f"{sys.executable} -m caixun.cli facts --jsonl"
    proc = subprocess.run([sys.executable, str(scorer), "--cmd", cmd, "--gold", str(gold), "--corpus", str(SHARED / "corpus" / corpus),
                           "--json"], capture_output=True, text=True, timeout=600, cwd=Path(__file__).resolve().parents[1],
                          env={**__import__("os").environ, "PYTHONPATH": "src"})  # fmt: skip
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    for key, floor in FLOORS[floors].items():
        assert got[key] >= floor, (key, got)


def test_a_measure_per_another_and_words_that_only_look_like_counts():
    got = [(f.text, f.value, f.unit) for f in extract_figures("PM2.5年均浓度为26.3微克/立方米，时速350公里/小时，亩产500公斤/亩，产能100万吨/年")]
    assert got == [("26.3微克/立方米", "26.3", "ug/m3"), ("350公里/小时", "350", "km/hour"), ("500公斤/亩", "500", "kg/mu"),
                   ("100万吨", "1000000", "t")]  # a capacity per year stays in tonnes  # fmt: skip
    assert extract_figures("加快建设二手车市场，做好两手准备，“政会银企”四方协同，一方有难、八方支援") == []
    got = [(f.text, f.value, f.unit) for f in extract_figures("完成土方50万方，浇筑混凝土3万方，成交2手")]
    assert got == [("50万方", "500000", "m3"), ("3万方", "30000", "m3"), ("2手", "2", "手")]


def test_kuai_before_a_noun_is_a_piece_and_a_model_number_is_no_thousands():
    got = [(f.text, f.value, f.unit) for f in extract_figures("两块地，这两块，两块钱，涨了三块，三块五，每公斤17块多的价格，五块六到五块七毛八")]
    assert got == [("两块钱", "2", "CNY"), ("三块", "3", "CNY"), ("三块五", "3.5", "CNY"), ("17块多", "17", "CNY/kg"),
                   ("五块六到五块七毛八", "5.6", "CNY")]  # fmt: skip
    got = [(f.text, f.value) for f in extract_figures("一驾空客A320，150座，共3，500家企业")]
    assert got == [("150座", "150"), ("3，500家", "3500")]


def test_traditional_characters_read_like_simplified_ones():
    text = "售價超過400美元（約新台幣13,000元），低於99美元；營收增長5%，淨利潤減少3億元，24小時"
    got = [(f.text, f.value, f.unit, f.approx, f.direction, f.indicator) for f in extract_figures(text)]
    assert got == [("超過400美元", "400", "USD", "over", None, None), ("約新台幣13,000元", "13000", "TWD", "about", None, None),
                   ("低於99美元", "99", "USD", "under", None, None), ("5%", "5", "%", None, "up", "营收"),
                   ("3億元", "300000000", "CNY", None, "down", "净利润")]  # fmt: skip
    assert all(text[f.start : f.end] == f.text for f in extract_figures(text))  # offsets into the text as given
    facts = extract("廣東省地區生產總值增長3.9%")
    assert [(e["text"], e["code"]) for e in facts["entities"]] == [("廣東省", "440000")]  # found as 广东省, given as written
    assert [(f["region"], f["indicator"]) for f in facts["figures"]] == [("440000", "地区生产总值")]
    facts = extract("臺灣第一季度出口增長3.5%，遼寧省瀋陽市、重慶、廈門房價下跌")
    assert [(e["text"], e["code"]) for e in facts["entities"]] == [
        ("臺灣", "710000"), ("遼寧省", "210000"), ("瀋陽市", "210100"), ("重慶", "500000"), ("廈門", "350200")]  # fmt: skip
    assert [(f["text"], f["region"], f["direction"]) for f in facts["figures"]] == [("3.5%", "710000", "up")]


def test_lists_ranges_codes_and_tables_read_from_unannotated_flashes():
    got = [(f.text, f.value, f.unit) for f in extract_figures("分别带来约7100、3150、3000、800、2500亿元")]
    assert got == [("约7100", "710000000000", "CNY"), ("3150", "315000000000", "CNY"), ("3000", "300000000000", "CNY"),
                   ("800", "80000000000", "CNY"), ("2500亿元", "250000000000", "CNY")]  # the 亿 reaches the whole list  # fmt: skip
    got = [(f.value, f.value_max) for f in extract_figures("没收个人财产人民币五百万元至六十万元不等")]
    assert got == [("600000", "5000000")]  # a range written from the top
    assert [f.text for f in extract_figures("文号2141001-1")] == ["2141001", "-1"]  # a code's parts, no range
    assert [f.value for f in extract_figures("2,800  3,000  2,600，涨了7 0美元")] == ["2800", "3000", "2600", "70"]
    assert extract_figures("离岸人民币一度冲高，上海市第一中级人民法院") == []


def test_share_prices_in_yuan_take_the_market_the_text_is_on():
    text = "港股收评：红筹股全线下跌，碧桂园大跌11.15%，报14.5元；A股方面，贵州茅台涨2%，报2000元，成交额12亿元。"
    got = [(f.text, f.unit) for f in extract_figures(text) if f.kind == "money"]
    assert got == [("14.5元", "HKD"), ("2000元", "CNY"), ("12亿元", "CNY")]
    assert [f.unit for f in extract_figures("茅台股价报2000元")] == ["CNY"]


def test_amounts_after_a_price_in_its_sentence_are_prices_too():
    got = [(f.text, f.unit) for f in extract_figures("布兰特原油均价料为每桶72.71美元，较前月预估的72.87美元低0.16美元，但高于年内平均的71.96美元。")]
    assert got == [("72.71美元", "USD/bbl"), ("72.87美元", "USD/bbl"), ("0.16美元", "USD"), ("71.96美元", "USD/bbl")]
    got = [(f.text, f.unit) for f in extract_figures("每吨3000元，总价3500元；每股收益0.5元，较去年的0.4元增长，营收10亿元。每吨2000元。报2100元")]
    assert got == [("3000元", "CNY/t"), ("3500元", "CNY"), ("0.5元", "CNY/share"), ("0.4元", "CNY/share"), ("10亿元", "CNY"),
                   ("2000元", "CNY/t"), ("2100元", "CNY")]  # not a total, not past the sentence  # fmt: skip


def test_a_figure_without_a_period_takes_its_headings():
    text = ("2026年某市政府工作报告\n\n一、2025年工作回顾\n\n一年来，全市生产总值增长5.4%。2024年增长5%。\n\n"
            "二、“十五五”时期主要目标任务\n\n生产总值年均增长5%左右。\n\n三、2026年重点工作安排\n\n新增就业60万人。\n\n"
            "财经早餐2024年8月15日\n\n营收增长8%。")  # fmt: skip
    got = [(f.text, f.period) for f in extract_figures(text, date(2026, 1, 20)) if f.kind != "number"]
    assert got == [("5.4%", "2025"), ("5%", "2024"), ("5%左右", None), ("60万人", "2026"), ("8%", None)]
    # a month under a year's heading is of that year, not the article's
    got = [(f.text, f.period) for f in extract_figures("2011年一季度能源形势分析\n\n一、1-3月\n\n用电量增长16%。", date(2023, 5, 1))
           if f.kind != "number"]
    assert got == [("16%", "2011Q1")]  # 1-3月 is the first quarter: one name for one span


def test_figure_as_dict_holds_every_field():
    fig = extract_figures("GDP增长8.5%")[0]
    assert fig.as_dict() == fig._asdict()


def test_readings_of_common_market_and_statistics_phrasing():
    got = [(f.text, f.value, f.approx) for f in extract_figures("回购金额不低于1亿元且不高于2亿元，开展2890亿元7天期逆回购")]
    assert got == [("不低于1亿元", "100000000", "over"), ("不高于2亿元", "200000000", "under"),
                   ("2890亿元", "289000000000", None)]  # the 7 of 7天期 is no 角 of the amount  # fmt: skip
    assert [(f.text, f.value) for f in extract_figures("五块六到五块七毛八，三元五。")] == [("五块六到五块七毛八", "5.6"), ("三元五", "3.5")]
    assert [f.text for f in extract_figures("两市成交额7892亿元，两岸贸易，两家企业")] == ["7892亿元", "两家"]  # 两市, 两岸: words
    got = {f.text: f.direction for f in extract_figures(
        "增速比上月末低0.3个百分点，比一季度加快0.6个百分点，比上月放缓0.2个百分点，较收盘价高17%，比全国高1.8个百分点，最高5%")}
    assert got == {"0.3个百分点": "down", "0.6个百分点": "up", "0.2个百分点": "down", "17%": None, "1.8个百分点": None, "5%": None}


def test_a_change_then_the_level_it_reached_and_names_with_numbers():
    got = [(f.text, f.value, f.value_max, f.unit) for f in extract_figures("美元指数跌0.3%至105.2，涨幅3%至5%，增长3至5%")]
    assert got == [("0.3%", "0.3", None, "%"), ("105.2", "105.2", None, None), ("3%至5%", "3", "5", "%"),
                   ("3至5%", "3", "5", "%")]  # a change and its level are two figures; ranges stay ranges  # fmt: skip
    assert [f.text for f in extract_figures("5G基站12.3万个，沪深300ETF，3D打印")] == ["12.3万个"]  # 5G, 300ETF, 3D are names
    assert [(f.text, f.unit) for f in extract_figures("电池产能达55GWh，储能3.2吉瓦时")] == [("55GWh", "GWh"), ("3.2吉瓦时", "GWh")]
    assert [f.text for f in extract_figures("生猪（外三元）价格为每千克15.2元")] == ["15.2元"]  # 外三元 is a breed


def test_multiples_index_names_holidays_and_a_change_to_a_price():
    got = [(f.text, f.value, f.unit, f.approx) for f in extract_figures("市盈率约45倍，增长两倍，1.5倍左右")]
    assert got == [("约45倍", "45", "倍", "about"), ("两倍", "2", "倍", None), ("1.5倍左右", "1.5", "倍", "about")]
    assert [f.text for f in extract_figures("上证50指数成分股，标普500涨1%")] == ["1%"]  # index names
    assert [f.text for f in extract_figures("五一假期出游2.95亿人次，十一黄金周")] == ["2.95亿人次"]
    got = [(f.text, f.unit, f.direction) for f in extract_figures("螺纹钢期货下跌23元至3650元/吨")]
    assert got == [("23元", "CNY/t", "down"), ("3650元/吨", "CNY/t", None)]  # the change is per tonne like its level


def test_cumulative_months_and_more_change_words():
    got = [(f.text, f.period) for f in extract_figures("前10月保费收入6961.86亿元，前5月累计同比下滑28%", today=date(2023, 11, 14))]
    assert got == [("6961.86亿元", "2023-01/2023-10"), ("28%", "2023-01/2023-05")]  # 前N月 is cumulative, like 前N个月
    got = {f.text: f.direction for f in extract_figures("增量1.85万亿元，比上年同期多9108亿元，比上月少300亿元；中间价较前一日调贬35个基点，人民币升值2%，最多5%")}
    assert got == {"1.85万亿元": None, "9108亿元": "up", "300亿元": "down", "35个基点": "down", "2%": "up", "最多5%": None}


def test_group_names_and_more_indicators():
    assert [f.text for f in extract_figures("美股三大股指均创新高，十大产业集群，增长3%")] == ["3%"]  # 三大, 十大: names of groups
    got = [(f.text, f.indicator) for f in extract_figures("美国12月非农就业人口增加21.6万人，常住人口城镇化率60%，资产负债率为62.3%")]
    assert got == [("21.6万人", "非农就业人口"), ("60%", "城镇化率"), ("62.3%", "资产负债率")]


def test_respectively_pairs_places_with_figures_in_order():
    facts = extract("北京、上海两地二手房成交量分别为1.2万套和1.5万套。江苏和浙江GDP分别增长5.8%、6%，上海增长5%")
    got = [(f["text"], f["region"]) for f in facts["figures"]]
    assert got == [("1.2万套", "110000"), ("1.5万套", "310000"), ("5.8%", "320000"), ("6%", "330000"), ("5%", "310000")]
    facts = extract("北京、上海、广州成交量分别为1万套和2万套")  # three places, two figures: not paired
    regions = [f["region"] for f in facts["figures"]]
    assert regions[0] == regions[1] != "110000"  # both of the place the subject rules pick, not 北京 then 上海


def test_round_amounts_written_with_scale_words_alone():
    got = [(f.text, f.value, f.approx) for f in extract_figures("营收近百亿元，突破万亿元，超千亿美元；百亿级私募，千亿元级别，百家企业")]
    assert got == [("近百亿元", "10000000000", "about"), ("万亿元", "1000000000000", None), ("超千亿美元", "100000000000", "over")]


def test_names_of_lists_and_reports():
    assert [f.text for f in extract_figures("世界500强第95位，挤进十强，发布三季报，增长3%")] == ["第95位", "3%"]


def test_the_year_before_figure_has_the_year_before_period():
    text = "今年上半年营收12.5亿元，较上年同期的10.2亿元增长22.5%。今年营收100亿元，去年为90亿元。2023年营收5亿元，去年为4亿元。"
    got = [(f.text, f.period) for f in extract_figures(text, today=date(2023, 8, 20))]
    assert got == [("12.5亿元", "2023H1"), ("10.2亿元", "2022H1"), ("22.5%", "2023H1"), ("100亿元", "2023"), ("90亿元", "2022"),
                   ("5亿元", "2023"), ("4亿元", "2022")]  # fmt: skip


def test_respectively_pairs_indicators_with_figures_in_order():
    text = "出口和进口分别增长5%和3%。营业收入和净利润分别为1.94亿元和4245万元，同比分别增长40.6%和106.4%。利润总额分别增长2%和3%"
    got = [(f.text, f.indicator) for f in extract_figures(text)]
    assert got == [("5%", "出口"), ("3%", "进口"), ("1.94亿元", "营业收入"), ("4245万元", "净利润"), ("40.6%", "营业收入"),
                   ("106.4%", "净利润"), ("2%", "利润总额"), ("3%", "利润总额")]  # fmt: skip


def test_fiscal_years_are_periods_and_company_indicators():
    got = [(f.text, f.indicator) for f in extract_figures("阿里巴巴2024财年第二季度营收2247.9亿元；市场份额14.1%，经营利润为40亿元")]
    assert got == [("2247.9亿元", "营收"), ("14.1%", "市场份额"), ("40亿元", "经营利润")]  # 2024财年 is no number


def test_list_numbers_names_codes_and_links_are_no_figures():
    text = "1. 坚持稳中求进；2. 扩大内需\n3、深化改革。三是着力惠民生。编辑：张三。股票代码：600519 股票简称，电话010-68123456，见/202310/t2023_1943654.html"
    assert [f.text for f in extract_figures(text)] == []
    got = [f.text for f in extract_figures("每周三次，五次降息，1、2月份增长3%，回购1200万股")]
    assert got == ["三", "五", "1", "3%", "1200万股"]  # counts of times stay; 1、2月份 is no list numbering


def test_hong_kong_wording_points_or_percent_and_first_quarter():
    got = [(f.text, f.direction, f.period, f.indicator) for f in extract_figures("恒生指數升215點或1.23%；香港首季本地生產總值按年實質上升2.7%", today=date(2024, 5, 3))]
    assert got == [("215點", "up", None, "恒生指数"), ("1.23%", "up", None, "恒生指数"), ("2.7%", "up", "2024Q1", "本地生产总值")]


def test_headlines_volume_words_and_a_verb_before_the_rate_it_moves():
    got = [(f.text, f.direction, f.indicator) for f in extract_figures("【两市成交额不足5000亿元】沪指跌0.35%，较上个交易日缩量612亿元")]
    assert got == [("不足5000亿元", None, "成交额"), ("0.35%", "down", "沪指"), ("612亿元", "down", "成交额")]  # the headline ends at 】
    got = [(f.text, f.direction) for f in extract_figures("下调金融机构存款准备金率0.5个百分点，提高首付比例5个百分点，最高比例为5%")]
    assert got == [("0.5个百分点", "down"), ("5个百分点", "up"), ("5%", None)]


def test_respectively_pairs_stocks_and_a_place_in_another_stocks_name_is_no_subject():
    facts = extract("贵州茅台(600519)、五粮液(000858)分别上涨2%和3%，宁德时代(300750)跌1%")
    got = [(f["text"], f["security"], f["subject"], f["region"]) for f in facts["figures"]]
    assert got == [("2%", "600519.SH", "贵州茅台", None), ("3%", "000858.SZ", "五粮液", None), ("1%", "300750.SZ", "宁德时代", None)]


def test_size_of_a_change_and_festival_names():
    got = [(f.text, f.direction) for f in extract_figures("下调幅度为15至25个基点，降价幅度高达3万元，反弹幅度已超过30%；“双11”期间交易额1.14万亿元")]
    assert got == [("15至25个基点", "down"), ("高达3万元", "down"), ("超过30%", "up"), ("1.14万亿元", None)]


def test_the_period_compared_with_is_not_the_figures_period():
    text = "10月末，商品房待售面积64783万平方米，比9月末增加424万平方米。增速比2019年同期高0.3个百分点"
    got = [(f.text, f.period, f.indicator) for f in extract_figures(text, today=date(2023, 11, 15))]
    # 0.3个百分点 is October's growth against the same month of 2019: its period is carried over, its
    # indicator is not (增速 is named: its own topic)
    assert got == [("64783万平方米", "2023-10", "商品房待售面积"), ("424万平方米", "2023-10", "商品房待售面积"), ("0.3个百分点", "2023-10", None)]


def test_the_same_period_of_a_year_is_a_base():
    got = [(f.text, f.period) for f in extract_figures("11月民航旅客运输量5004.4万人次，恢复至2019年同期的89.8%", today=date(2023, 12, 15))]
    assert got == [("5004.4万人次", "2023-11"), ("89.8%", "2023-11")]


def test_market_words_a_base_after_每_and_counts_of_people_without_a_measure_word():
    got = [(f.text, f.unit, f.indicator) for f in extract_figures("公司拟每10股派发现金红利3.5元，现货黄金涨1.2%")]
    assert got == [("3.5元", "CNY", "现金红利"), ("1.2%", "%", "现货黄金")]  # 每10股 is what 3.5元 is per, no quantity
    got = [(f.text, f.direction) for f in extract_figures("美联储宣布加息25个基点，央行降息10个基点")]
    assert got == [("25个基点", "up"), ("10个基点", "down")]
    got = [(f.text, f.kind, f.value, f.unit) for f in extract_figures("该县共有人口52.3万，接待游客1.2亿，涨幅52.3万")]
    assert got == [("52.3万", "quantity", "523000", "人"), ("1.2亿", "quantity", "120000000", "人次"), ("52.3万", "number", "523000", None)]
    got = [(f.text, f.indicator) for f in extract_figures("中标利率为1.8%，因今日有1800亿元到期；两市成交额9000亿元，较上个交易日放量612亿元")]
    assert got == [("1.8%", "中标利率"), ("1800亿元", None), ("9000亿元", "成交额"), ("612亿元", "成交额")]  # an amount is no rate


def test_the_first_months_in_chinese_numerals_are_a_period():
    got = [(f.text, f.period) for f in extract_figures("今年前两个月，我国出口2.2万亿元；2023年前十一个月，营收增长5%", today=date(2024, 3, 15))]
    assert got == [("2.2万亿元", "2024-01/2024-02"), ("5%", "2023-01/2023-11")]
    assert [f.period for f in extract_figures("比前一个月增长3%", today=date(2024, 3, 15))] == [None]  # the month before


def test_index_points_are_numbers_with_their_unit_and_index_but_clock_times_are_not():
    got = [(f.text, f.kind, f.unit, f.value, f.value_max, f.direction, f.indicator)
           for f in extract_figures("沪指报收于3128.56点；道指涨152.46点，或0.61%，报25，075.13点；指数在3100-3200点区间")]  # fmt: skip
    assert got == [("3128.56点", "number", "点", "3128.56", None, None, "沪指"), ("152.46点", "number", "点", "152.46", None, "up", "道指"),
                   ("0.61%", "percent", "%", "0.61", None, "up", "道指"), ("25，075.13点", "number", "点", "25075.13", None, None, "道指"),
                   ("3100-3200点", "number", "点", "3100", "3200", None, "指数")]  # fmt: skip
    # a time of day is no index level: 24 or less, no decimals, no verb of a move before it
    clock = extract_figures("下午3点召开会议，晚上8点，10点55分开盘")
    assert [f.text for f in clock] == ["3", "8"] and not any(f.unit == "点" for f in clock)
    assert [(f.text, f.direction) for f in extract_figures("沪指涨5点")] == [("5点", "up")]


def test_the_period_carries_over_a_semicolon_but_not_over_a_time_of_its_own():
    got = {f.text: f.period for f in extract_figures("2023年，全省地区生产总值增长5.8%；一般公共预算收入3128亿元，增长7.1%；5月9日上涨3%")}
    assert got == {"5.8%": "2023", "3128亿元": "2023", "7.1%": "2023", "3%": None}
    # the indicator does not carry over
    assert [f.indicator for f in extract_figures("2023年，全省GDP增长5.8%；粮食增产3%")] == ["GDP", None]


def test_a_time_followed_by_yilai_is_counted_from_not_the_period():
    assert [f.period for f in extract_figures("2015年以来，销量首次下降3%", date(2024, 6, 1))] == [None]
    assert [f.period for f in extract_figures("今年以来，全市新增就业3.2万人", date(2024, 6, 1))] == ["2024"]  # year to date


def test_rank_scope_before_the_verb_and_rank_periods_and_moves_in_a_ranking():
    got = [(f.text, f.kind, f.scope, f.period, f.direction) for f in extract_figures("2023年，该市增速在全省排名第二，前进3位", date(2024, 5, 1))]
    assert got == [("第二", "rank", "全省", "2023", None), ("3位", "quantity", None, "2023", "up")]
    assert [f.scope for f in extract_figures("广东省稳居第一")] == [None]  # the subject, not the scope
    assert [f.scope for f in extract_figures("在晋中排名第二，在全国同类城市中排第3")] == ["晋中", "城市"]


def test_a_price_quoted_at_the_close_is_the_closing_price_unless_an_indicator_is_named():
    assert [(f.text, f.indicator) for f in extract_figures("贵州茅台报收于1688.00元，成交额52.3亿元")] == [("1688.00元", "收盘价"), ("52.3亿元", "成交额")]
    assert [f.indicator for f in extract_figures("现货黄金收于2350.5美元/盎司")] == ["现货黄金"]


def test_yuewei_is_about_and_a_squeeze_is_down():
    got = [(f.text, f.approx, f.direction) for f in extract_figures("总市值约为83万亿元，约合115亿美元，利润空间被压缩两到三成，税负减轻58%")]
    assert got == [("约为83万亿元", "about", None), ("约合115亿美元", "about", None), ("两到三成", None, "down"), ("58%", None, "down")]


def test_doses_cases_trains_and_poultry_are_counts_and_a_bonus_issue_is_no_change():
    got = [(f.text, f.unit, f.value) for f in extract_figures("接种疫苗34.5亿剂次，发生事故3起，开行班列1.7万列，出栏家禽1.2亿羽")]
    assert got == [("34.5亿剂次", "剂次", "3450000000"), ("3起", "起", "3"), ("1.7万列", "列", "17000"), ("1.2亿羽", "羽", "120000000")]
    assert extract_figures("我们一起努力，和他一起。") == []  # together
    assert [(f.text, f.unit) for f in extract_figures("年租金29万 起降按次收费")] == [("29万", "CNY")]  # 起降: a word (租金: yuan)
    assert [(f.text, f.direction) for f in extract_figures("每10股转增4股")] == [("4股", None)]


def test_an_approximation_before_a_fraction_is_the_fractions_and_a_multiple_has_a_direction():
    assert [(f.text, f.value, f.approx) for f in extract_figures("近五分之一的企业亏损")] == [("近五分之一", "0.2", "about")]
    got = [(f.text, f.unit, f.direction, f.indicator) for f in extract_figures("净利润同比增长1.5倍，市盈率约45倍")]
    assert got == [("1.5倍", "倍", "up", "净利润"), ("约45倍", "倍", None, "市盈率")]  # with what they multiply


def test_a_single_numeral_opening_a_word_is_no_number():
    assert extract_figures("三星电子，七上八下") == []
    assert [(f.text, f.unit) for f in extract_figures("五分")] == [("五分", "CNY")]  # cents
    assert [f.text for f in extract_figures("三。")] == ["三"]


def test_a_latin_unit_inside_a_longer_token_is_no_unit():
    assert all(f.unit is None for f in extract_figures("提交 49a51c4b41a7f848720371da3423515cc3235520"))
    assert [(f.text, f.unit) for f in extract_figures("排量1.6L，容量5GB。")] == [("1.6L", "L"), ("5GB", "GB")]


def test_index_codes_in_brackets_are_the_exchanges_indices():
    got = [(s.code, s.name) for s in extract_securities("上证指数(000001)涨1%，沪深300(000300)，深证成指(399001)，平安银行(000001)")]
    assert got == [("000001.SH", "上证指数"), ("000300.SH", "沪深300"), ("399001.SZ", "深证成指"), ("000001.SZ", "平安银行")]


def test_negative_growth_is_down_and_jiu_kuai_jiu_is_a_price():
    got = [(f.text, f.direction) for f in extract_figures("负增长6%，增长-2.1%，增长2.1%")]
    assert got == [("6%", "down"), ("-2.1%", "down"), ("2.1%", "up")]
    assert [(f.text, f.value, f.unit) for f in extract_figures("9块9包邮，两块地")] == [("9块9", "9.9", "CNY")]


def test_a_place_suffix_that_begins_a_word_makes_no_subject():
    got = [f.subject for f in extract_figures("全省地区生产总值增长5%；资本市场融资额达500亿元；介休市GDP增长8.5%")]
    assert got == ["全省", None, "介休市"]


def test_shang_before_a_round_scale_is_more_than_it():
    got = [(f.text, f.value, f.unit, f.approx) for f in extract_figures("上百家企业，吸引上万人，投资上百亿元")]
    assert got == [("上百家", "100", "家", "over"), ("上万人", "10000", "人", "over"), ("上百亿元", "10000000000", "CNY", "over")]
    assert extract_figures("线上百亿补贴，成百上千家，千家万户") == []  # 线上 is a word, 成百上千 a saying


def test_voltages_and_transformer_capacity_and_formal_digits_inside_words():
    got = [(f.text, f.value, f.unit) for f in extract_figures("750千伏输变电工程，变电容量201万千伏安，陆续投产，陆地棉")]
    assert got == [("750千伏", "750", "kV"), ("201万千伏安", "2010000", "kVA")]
    assert [(f.text, f.value) for f in extract_figures("陆佰元")] == [("陆佰元", "600")]  # formal digits still write amounts


def test_amounts_in_wan_or_yi_after_more_money_words_are_yuan():
    got = [(f.text, f.kind, f.unit) for f in extract_figures("一季度亏损37.6亿，负债已接近2万亿，投资缩水2000亿，免税店每平米年租金29万，用户规模达5亿")]
    assert got == [("37.6亿", "money", "CNY"), ("接近2万亿", "money", "CNY"), ("2000亿", "money", "CNY"), ("29万", "money", "CNY/m2"),
                   ("5亿", "number", None)]  # fmt: skip


def test_people_counted_without_a_measure_word_after_renshu():
    got = [(f.text, f.kind, f.unit, f.direction) for f in extract_figures("私营部门就业人数增加23.4万，首次申请失业救济人数为25万")]
    assert got == [("23.4万", "quantity", "人", "up"), ("25万", "quantity", "人", None)]


def test_exchange_rates_are_levels_in_quote_per_base_currency():
    got = [(f.text, f.unit, f.indicator, f.direction) for f in extract_figures(
        "离岸人民币兑美元升至2018年以来新高，现报6.3512。欧元兑美元涨0.17%报1.1012。"
        "美元兑人民币中间价报7.1996，人民币兑日元中间价报20.512，美元兑日元跌破150。")]  # fmt: skip
    assert got == [("6.3512", "CNY/USD", "离岸人民币兑美元", None), ("0.17%", "%", "欧元兑美元", "up"),
                   ("1.1012", "USD/EUR", "欧元兑美元", None), ("7.1996", "CNY/USD", "美元兑人民币中间价", None),
                   ("20.512", "JPY/CNY", "人民币兑日元中间价", None), ("150", "JPY/USD", "美元兑日元", None)]  # fmt: skip
    got = [(f.text, f.unit, f.indicator) for f in extract_figures("人民币对美元汇率中间价调升112个基点至7.1088")]
    assert got == [("112个基点", "bp", "中间价"), ("7.1088", "CNY/USD", "人民币兑美元中间价")]
    # not a rate: no pair named, or a number that is not quoted as a level
    assert [f.unit for f in extract_figures("对美元出口报7.2。人民币兑美元，7.2")] == [None, None]


def test_an_index_quoted_without_points_is_in_points():
    got = [(f.text, f.unit, f.indicator) for f in extract_figures("美元指数涨0.3%，报106.52；恒指收报17012.5。指数为49.8")]
    assert got == [("0.3%", "%", "美元指数"), ("106.52", "点", "美元指数"), ("17012.5", "点", "恒指"), ("49.8", None, None)]


def test_of_which_takes_the_period_of_the_sentence_before():
    figs = extract_figures("前11个月，进出口总值39.79万亿元。其中，出口22.98万亿元，增长6.7%；进口16.81万亿元。出口增长5%。", date(2024, 12, 10))
    assert [(f.text, f.period) for f in figs] == [("39.79万亿元", "2024-01/2024-11"), ("22.98万亿元", "2024-01/2024-11"),
                                                  ("6.7%", "2024-01/2024-11"), ("16.81万亿元", "2024-01/2024-11"),
                                                  ("5%", "2024-01/2024-11")]  # the period carries on until another is named  # fmt: skip


def test_an_operation_named_after_its_amount_is_its_indicator():
    figs = extract_figures("央行开展2000亿元7天期逆回购操作，另有1450亿元MLF到期。发行800亿元债券。")
    assert [(f.text, f.indicator) for f in figs] == [("2000亿元", "逆回购"), ("1450亿元", "MLF"), ("800亿元", None)]


def test_a_price_per_one_unit_written_before_or_after_it():
    got = [(f.text, f.value, f.unit) for f in extract_figures("鸡蛋3块5一斤，白菜三块五一斤，一斤3块，一吨3000元，民宿200元一天")]
    assert got == [("3块5一斤", "3.5", "CNY/jin"), ("三块五一斤", "3.5", "CNY/jin"), ("3块", "3", "CNY/jin"),
                   ("3000元", "3000", "CNY/t"), ("200元一天", "200", "CNY/day")]  # fmt: skip
    assert [f.unit for f in extract_figures("5元一个月")] == ["CNY"]  # a month is no unit it is per
    # 一度 is "once", 十一斤 eleven jin, 一米8 a height
    got = [(f.text, f.unit) for f in extract_figures("规模一度超过11万亿元，十一斤3块，一米8")]
    assert got == [("超过11万亿元", "CNY"), ("十一斤", "jin"), ("3块", "CNY"), ("一米8", "m")]


def test_yue_that_ends_a_word_is_no_approximation():
    got = [(f.text, f.value, f.approx) for f in extract_figures("焦煤主力合约一度跌停，项目签约100亿元，违约金额约5亿元，预约二、三级医院")]
    assert got == [("100亿元", "10000000000", None), ("约5亿元", "500000000", "about")]


def test_a_gap_in_points_after_a_comparison_has_its_direction():
    got = [(f.text, f.direction, f.approx) for f in extract_figures("增速高于全国平均水平2个百分点，低于全省0.5个百分点，低于0.5个百分点")]
    assert got == [("2个百分点", "up", None), ("0.5个百分点", "down", None), ("低于0.5个百分点", None, "under")]


def test_a_loss_is_named_as_a_loss():
    got = [(f.text, f.indicator, f.direction) for f in extract_figures("归母净利润亏损179.5亿元；净亏损5.2亿元；亏损同比收窄20%；分别为亏损129.5亿元和盈利87.2亿元")]
    assert got == [("179.5亿元", "亏损", None), ("5.2亿元", "净亏损", None), ("20%", "亏损", "down"),
                   ("129.5亿元", "亏损", None), ("87.2亿元", "盈利", None)]  # fmt: skip


def test_an_amount_before_a_word_that_starts_with_cheng():
    got = [(f.text, f.value, f.unit, f.indicator) for f in extract_figures("该地块以底价12.6亿元成交。5亿元成立基金，三成交易，七成员工")]
    assert got == [("12.6亿元", "1260000000", "CNY", "底价"), ("5亿元", "500000000", "CNY", None)]


def test_an_included_bound_repeated_in_brackets_is_one_figure():
    got = [(f.text, f.value) for f in extract_figures("不超过人民币35亿元（含35亿元），不超过1亿元(含1亿元)，3亿元（含2亿元贷款）")]
    assert got == [("不超过人民币35亿元", "3500000000"), ("不超过1亿元", "100000000"), ("3亿元", "300000000"), ("2亿元", "200000000")]


def test_a_growth_rate_given_as_its_level_has_its_direction_and_a_level_reached_has_none():
    from caixun.enrich.facts import extract

    def dirs(text):
        return [(f["text"], f["direction"]) for f in extract(text)["figures"]]

    assert dirs("全市固定资产投资累计增速分别为76.3%、12.1%。") == [("76.3%", "up"), ("12.1%", "up")]
    assert dirs("规模以上工业增加值增速为-3.2%。") == [("-3.2%", "down")]
    assert dirs("增速分别为5.1%、-3.2%") == [("5.1%", "up"), ("-3.2%", "down")]
    assert dirs("同比增速回落至-0.5%") == [("-0.5%", "down")]
    assert dirs("失业率从5.5%降为5.2%") == [("5.5%", None), ("5.2%", None)]
    assert dirs("利率由3%升为3.5%") == [("3%", None), ("3.5%", None)]
    assert dirs("GDP增长率为0%") == [("0%", None)]
    assert dirs("出口下降为3%，进口增长5%") == [("3%", "down"), ("5%", "up")]  # no 从: a change


def test_a_list_of_changes_pairs_with_the_list_of_levels_before_it():
    from caixun.enrich.facts import extract

    def named(text):
        return [(f["text"], f["indicator"]) for f in extract(text)["figures"]]

    assert named("港口货物吞吐量20.2亿吨、集装箱吞吐量1367万标箱，同比增长1.0%、6.0%。") == [
        ("20.2亿吨", "港口货物吞吐量"), ("1367万标箱", "集装箱吞吐量"), ("1.0%", "港口货物吞吐量"), ("6.0%", "集装箱吞吐量")]  # fmt: skip
    assert named("营收10亿元，净利润2亿元，同比增长5%、8%。")[2:] == [("5%", "营收"), ("8%", "净利润")]
    assert named("工业增加值增长5%、6%。") == [("5%", "工业增加值"), ("6%", "工业增加值")]  # one indicator: nothing to pair
    # another sentence between: no pairing
    assert named("营收10亿元，净利润2亿元。出口增长5%、8%。")[2:] == [("5%", "出口"), ("8%", "出口")]


def test_a_report_on_one_place_gives_it_its_figures():
    """The 介休 government report of the corpus: figures of sentences that
    name 晋中 only as where a rank is counted (排名晋中第二) or through its
    party committee (晋中市委) are 介休's; 旅游综合收入 is its own indicator."""
    path = SHARED / "corpus" / "finews" / "old_post" / "2022-01-28-NW202201282264891522.md"
    if not path.exists():
        pytest.skip("../shared/corpus is not here")
    from caixun.clean.html import clean_body
    from caixun.collect.jekyll import read_posts
    from caixun.model import RawItem

    (item,) = [i for i in read_posts([path]) if isinstance(i, RawItem)]
    figures = extract(clean_body(item.body, item.body_format)[1], date(2022, 1, 28))["figures"]
    by_text = {}
    for f in figures:
        by_text.setdefault(f["text"], f)
    for text in ("28.06亿元", "98%", "第七", "51.2亿元"):
        assert (by_text[text]["region"], by_text[text]["subject"]) == ("140781", "介休市"), text
    assert by_text["51.2亿元"]["indicator"] == "旅游综合收入" and by_text["28.06亿元"]["indicator"] == "一般公共预算收入"
    assert not any(f["region"] == "140700" for f in figures)  # 晋中 is named, never as the subject


def test_day_periods_the_nearest_year_and_the_month_after_the_article():
    def periods(text: str, day: date) -> list[tuple[str, str | None]]:
        return [(f.text, f.period) for f in extract_figures(text, day)]

    assert periods("美东时间1月4日16：00，道指涨152.46点，或0.61%。", date(2018, 1, 5)) == [("152.46点", "2018-01-04"), ("0.61%", "2018-01-04")]
    assert periods("道指在2017年11月30日首次突破24000点。", date(2018, 1, 5)) == [("24000点", "2017-11-30")]
    assert periods("路透北京8月31日 - 全周净回笼1,700亿元。", date(2018, 8, 31)) == [("1,700亿元", None)]  # a dateline's day
    assert periods("2015-2016年大量发行的信用债，今年偿还量将超过5万亿元。", date(2018, 8, 31)) == [("超过5万亿元", "2018")]  # the nearer
    assert periods("9月同业存单到期规模为2.14万亿元。", date(2018, 8, 31)) == [("2.14万亿元", "2018-09")]  # next month: this year's
    assert periods("美国12月私营就业人数增加25万人。", date(2018, 1, 5)) == [("25万人", "2017-12")]
    assert periods("3月8日，国家统计局公布2月份CPI同比上涨0.9%。", date(2021, 3, 9)) == [("0.9%", "2021-02")]  # the month named last
