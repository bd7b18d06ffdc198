"""Linking floors: indicator, subject and period of the figures annotated in
tests/data/linking_gold.json and linking_gold_2.json to _6.json (texts of
../shared/corpus/extra; skipped when that folder is absent). Raise the floors
when linking gets better."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from caixun.collect.jekyll import parse_post
from caixun.enrich.facts import extract
from caixun.enrich.indicators import canonical
from caixun.pipeline import prepare
from tests.conftest import SHARED

DATA = Path(__file__).parent / "data"
GOLD = json.loads((DATA / "linking_gold.json").read_text(encoding="utf-8"))
# The second set was annotated before any rule was written for its texts.
GOLD_2 = json.loads((DATA / "linking_gold_2.json").read_text(encoding="utf-8"))
GOLD_3 = json.loads((DATA / "linking_gold_3.json").read_text(encoding="utf-8"))
GOLD_4 = json.loads((DATA / "linking_gold_4.json").read_text(encoding="utf-8"))
GOLD_5 = json.loads((DATA / "linking_gold_5.json").read_text(encoding="utf-8"))
GOLD_6 = json.loads((DATA / "linking_gold_6.json").read_text(encoding="utf-8"))
GOLD_7 = json.loads((DATA / "linking_gold_7.json").read_text(encoding="utf-8"))
GOLD_8 = json.loads((DATA / "linking_gold_8.json").read_text(encoding="utf-8"))
EXTRA = SHARED / "corpus" / "extra"
FINEWS = SHARED / "corpus" / "finews"
# Measured when the set was made (stop 27); a regression below them fails.
# Of the fields the texts leave empty, the share given a value anyway.
CEILING_INVENTED = 0.02  # 0.06 until stop 30 (a group of provinces, 2个省份, is no province's)
FLOORS = {"indicator_exact": 0.89, "indicator_near": 0.96, "subject": 0.96, "period": 0.99}
# The second set, first scored at 62% / 77% / 14% / 54% and 42% invented (stop
# 28, before the rules its misses showed were written: companies without a
# code, an index has no subject, a market's day, balance-sheet names).
CEILING_INVENTED_2 = 0.13
FLOORS_2 = {"indicator_exact": 0.90, "indicator_near": 0.90, "subject": 0.94, "period": 0.91}
# The third set (stop 29), first scored at 51% / 56% / 15% / 52% and 47%
# invented, before the rules its misses showed were written (a place named
# only at the end is no report's place, 国家统计局 texts are China's, 分别 over
# a span of months, 隔夜 and flows' days, names right after an amount).
CEILING_INVENTED_3 = 0.07  # 0.16 until stop 30: a day's period does not carry into another sentence's figures that are no market's
FLOORS_3 = {"indicator_exact": 0.89, "indicator_near": 0.94, "subject": 0.89, "period": 0.98}
# The fourth set (stop 29), first scored at 49% / 59% / 65% / 88% and 0%
# invented, before its rules (production and sales verbs, tax and results
# words, a market's segment is no market, China's texts by 我国/全国, 分别 over
# a span of years' months, a comparison with last year is no period).
CEILING_INVENTED_4 = 0.10
FLOORS_4 = {"indicator_exact": 0.94, "indicator_near": 0.94, "subject": 0.96, "period": 0.95}
# The fifth set (stop 29), annotated without the extractor's answers in view,
# first scored at 45% / 48% / 21% / 91% and 48% invented (what the rules of the
# four sets before carried to texts of new kinds), before its own rules (a
# report's title names its place, 全国第5位 is a rank's scope, 与上半年相比 is a
# base, 2008年和2007年分别为, X是Y的Z%, airports, 铁道部, reserves and rents).
# Of its few empty fields many are still given a value (2016 carried to a
# new tender's rent, the four countries' share given to 德国).
CEILING_INVENTED_5 = 0.25  # 0.43 until stop 30 (a group of countries is no country, 目前 no period)
FLOORS_5 = {"indicator_exact": 0.91, "indicator_near": 0.91, "subject": 0.93, "period": 0.99}
# The sixth set (stop 29), annotated blind, first scored at 37% / 40% / 81% /
# 86% and 47% invented, before its rules (a clause's own name ending in a
# measure when the vocabulary knows none, 本月 and 上月).
CEILING_INVENTED_6 = 0.07  # 0.47 until stop 30: 现在, 这几年 are the present, not the heading's year
FLOORS_6 = {"indicator_exact": 0.86, "indicator_near": 0.90, "subject": 0.88, "period": 0.99}
# The seventh set (stop 30): East Money flashes of ../shared/corpus/finews, a
# kind no set had (stock moves, a bond auction, Shibor, a Hong Kong midday
# report, a broker's note), annotated blind; first scored at 57% / 61% / 52% /
# 66% and 9% invented, before its rules (a stock named right before its move,
# a company announcing at a sentence's start, an exchange it announces at is
# no subject, a market's quotes are that day's, 3个月shibor is a tenor, the
# ministries' figures are China's, an industry's move is no company's, names
# ending in 利率, 比例, 资本, 幅度…, a target price has no period).
CEILING_INVENTED_7 = 0.05
FLOORS_7 = {"indicator_exact": 0.73, "indicator_near": 0.80, "subject": 0.86, "period": 0.90}
# The eighth set (stop 30): more flashes of corpus/finews (old_post), annotated
# blind after the seventh set's rules, to measure them on flashes not yet
# seen: first scored at 51% / 54% / 14% / 61% and 41% invented, before its own
# rules (今日 and 隔夜 in a market's sentence, a commodity future's move, 公司
# is the company named before, X表示，公司…, 财报显示, 我国第一 is a rank's scope,
# a day's period does not carry into another sentence's non-market figures,
# 目前 is no period, names ending in 量).
CEILING_INVENTED_8 = 0.08
FLOORS_8 = {"indicator_exact": 0.77, "indicator_near": 0.80, "subject": 0.76, "period": 0.92}


def _names(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def text_of(entry: dict) -> str:
    """The text a set's entry names: a file of corpus/extra, or a post of
    corpus/finews as the import cleans it (the text the archive stores)."""
    if entry.get("corpus") == "finews":
        path = FINEWS / entry["path"]
        raw = parse_post(path.read_text(encoding="utf-8"), path.name)
        return prepare(raw, "emnews", datetime.now(UTC)).text
    return (EXTRA / entry["path"]).read_text(encoding="utf-8")


def score(gold: dict = GOLD) -> dict[str, float]:
    hits = {"indicator_exact": 0, "indicator_near": 0, "subject": 0, "period": 0, "invented": 0}
    counts = {"indicator": 0, "subject": 0, "period": 0, "invented": 0}
    for t in gold["texts"]:
        text = text_of(t)
        by_start = {f["start"]: f for f in extract(text, date.fromisoformat(t["date"]))["figures"]}
        for g in t["figures"]:
            at = -1
            for _ in range(g["occurrence"]):
                at = text.index(g["text"], at + 1)
            got = by_start.get(at)
            assert got is not None and got["text"] == g["text"], f"{t['path']}: {g['text']} #{g['occurrence']} is not read as a figure"
            if g["indicator"] is not None:
                counts["indicator"] += 1
                names = _names(g["indicator"])
                ind = got["indicator"]
                exact = ind is not None and (ind in names or canonical(ind) in {canonical(n) for n in names})
                hits["indicator_exact"] += exact
                hits["indicator_near"] += exact or (ind is not None and any(ind in n or n in ind for n in names))
            if g["subject"] is not None:
                counts["subject"] += 1
                hits["subject"] += got["subject"] in _names(g["subject"])
            if g["period"] is not None:
                counts["period"] += 1
                hits["period"] += got["period"] == g["period"]
            for k in ("indicator", "subject", "period"):  # a value where the text states none
                if g[k] is None:
                    counts["invented"] += 1
                    hits["invented"] += got[k] is not None
    return {k: v / counts[k.split("_")[0]] for k, v in hits.items()}


# (set, its gold, floors, the ceiling of empty fields given a value)
SETS = [("first", GOLD, FLOORS, CEILING_INVENTED), ("second", GOLD_2, FLOORS_2, CEILING_INVENTED_2),
        ("third", GOLD_3, FLOORS_3, CEILING_INVENTED_3), ("fourth", GOLD_4, FLOORS_4, CEILING_INVENTED_4),
        ("fifth", GOLD_5, FLOORS_5, CEILING_INVENTED_5), ("sixth", GOLD_6, FLOORS_6, CEILING_INVENTED_6),
        ("seventh", GOLD_7, FLOORS_7, CEILING_INVENTED_7), ("eighth", GOLD_8, FLOORS_8, CEILING_INVENTED_8)]  # fmt: skip


@pytest.mark.parametrize(("name", "gold", "floors", "ceiling"), SETS, ids=[s[0] for s in SETS])
def test_linking_of_each_set_stays_above_its_floors(name, gold, floors, ceiling):
    if not EXTRA.exists():
        pytest.skip("../shared/corpus/extra is not here")
    got = score(gold)
    print(f"linking, {name} set:", {k: round(v, 3) for k, v in got.items()})
    assert all(got[k] >= floor for k, floor in floors.items()), (got, floors)
    assert got["invented"] <= ceiling, got


def _fig(text: str, figure: str, today: date) -> dict:
    return next(f for f in extract(text, today)["figures"] if f["text"] == figure)


def test_rules_the_third_set_showed():
    day = date(2018, 2, 6)
    # 隔夜美股: the American session of the night before
    assert _fig("隔夜美股大跌，道指跌超过1000点。", "超过1000点", day)["period"] == "2018-02-05"
    # yesterday's and today's flows are those days'
    assert _fig("昨天港股通净流入102亿元。", "102亿元", day)["period"] == "2018-02-05"
    # 全年 after a named year is that year's; a year of maturity is no period
    assert _fig("2016年，某公司全年销售金额为3097亿元。", "3097亿元", day)["period"] == "2016"
    assert _fig("用于赎回于2023年到期票据，票面利率4.750%。", "4.750%", day)["period"] is None
    assert _fig("2016年前半年，公司累计回购约2.82亿股。", "约2.82亿股", day)["period"] == "2016H1"
    # 分别 over a span of as many months: each its own month, and the shares of 当月 too
    months = extract("今年前3个月的翘尾分别为3.7、2.6和3.2个百分点，占当月CPI同比涨幅的75.3%、52.6%和59.4%。", date(2011, 7, 1))["figures"]
    assert [f["period"] for f in months] == ["2011-01", "2011-02", "2011-03"] * 2
    assert {f["indicator"] for f in months} == {"翘尾"}
    # an amount named by the word right after it
    assert _fig("碧桂园宣布发行了8.5亿美元优先票据。", "8.5亿美元", day)["indicator"] == "优先票据"
    # a flow's indicator does not carry to a price quoted after a move
    text = "港股通净流入102亿元。\n\n碧桂园大跌11.15%，报14.5元。"
    assert _fig(text, "14.5元", day)["indicator"] is None
    assert _fig(text, "14.5元", day)["subject"] == "碧桂园"


def test_a_place_named_at_the_end_is_no_report_place():
    text = "大市成交2580亿港元。北向资金净流出73亿元。\n\n香港金管局称，香港银行体系稳健，香港市场运作正常。"
    assert _fig(text, "2580亿港元", date(2018, 2, 6))["subject"] is None


def test_market_days_and_market_wide_figures():
    day = date(2018, 1, 31)
    # a move with no time of its own is the article's day; a month named before a ； is not its period
    text = "恒生指数1月大涨10%，创近三年最大涨幅；国企指数涨1.29%，报13561.65点。"
    assert _fig(text, "10%", day)["period"] == "2018-01"
    assert _fig(text, "1.29%", day)["period"] == "2018-01-31"
    # a day named before a ； is
    assert _fig("周四道指收涨0.6%；标普500指数涨0.4%。", "0.4%", date(2018, 1, 5))["period"] == "2018-01-04"
    # the market as a whole is no company's, nor is what its clause goes on with
    text = "东方财富证券上半年营收41.77亿元。今年上半年市场股基日均成交额为1.06万亿元，相比去年同期增长9%。"
    assert _fig(text, "41.77亿元", day)["subject"] == "东方财富证券"
    assert _fig(text, "1.06万亿元", day)["subject"] is None and _fig(text, "9%", day)["subject"] is None
    # 苹果 is the company only where the text names it unmistakably
    assert _fig("苹果公司称，苹果本季度共售出2030万台iPhone。", "2030万台", day)["subject"] == "苹果公司"
    assert _fig("苹果本季度售出2030万斤。", "2030万斤", day)["subject"] is None
    # a close compared with is neither the figure's period nor its indicator
    got = _fig("转股价为20.556港元，对1月17日收盘价高出22.35%。", "22.35%", date(2018, 1, 20))
    assert got["period"] is None and got["indicator"] == "转股价"


def test_rules_the_fourth_set_showed():
    day = date(2011, 6, 20)
    # each year's month of a 分别 list over a span of years
    figs = extract("而在2008~2010年的5月份，相同指标数据分别为9.4%、2.9%和7.5%。", day)["figures"]
    assert [f["period"] for f in figs] == ["2008-05", "2009-05", "2010-05"]
    # compared with last year is not last year's
    assert _fig("因一季度气候较去年明显偏低，城乡居民用电量28.82亿千瓦时。", "28.82亿千瓦时", day)["period"] == "2011Q1"
    # a market's segment is no market as a whole: the company's subject carries
    text = "腾讯控股第二季度营收1611.2亿元。其中，国际市场游戏收入139亿元。"
    assert _fig(text, "139亿元", day)["subject"] == "腾讯控股"
    # the name after a bracket that follows an amount
    assert _fig("上半年，公司以约523亿港元（未计开支）购回股份。", "约523亿港元", day)["indicator"] == "购回"
    # a text that says 我国 twice is China's, but a group of firms' total is not
    text = "我国汽车产销量下滑。据统计，我国5月共生产汽车134.89万辆。\n\n行业中17家重点企业累计完成工业增加值1509.05亿元。\n\n产量同比降幅扩大到近5%。"
    assert _fig(text, "1509.05亿元", day)["subject"] is None
    assert _fig(text, "近5%", day)["subject"] == "中国"


def test_a_markets_product_names_no_place_or_economy():
    day = date(2018, 8, 31)
    assert _fig("美国原油期货均价料为每桶67.13美元。", "67.13美元", day)["subject"] is None
    assert _fig("上海原油期货成交量升至280万口。", "280万口", day)["subject"] is None
    assert _fig("美国政府债务规模达到31万亿美元。", "31万亿美元", day)["subject"] == "美国"  # the government is still the economy's


def test_rules_the_fifth_set_showed():
    # a report's title names the place of every figure it does not place otherwise
    text = "2026年某某省人民政府工作报告\n\n一、2025年工作回顾\n\n全省上下共同努力。实现地区生产总值67665亿元，总量居全国第5位。"
    text = text.replace("某某省", "四川省")
    got = _fig(text, "67665亿元", date(2026, 2, 3))
    assert (got["subject"], got["region"], got["period"]) == ("四川省", "510000", "2025")
    assert _fig(text, "第5位", date(2026, 2, 3))["subject"] == "四川省"  # 全国 is where it ranks
    # 与上半年相比 is the base
    got = _fig("今年下半年钾肥到岸价为470美元/吨，与上半年相比，每吨上涨70美元。", "70美元", date(2011, 7, 25))
    assert got["period"] == "2011H2"
    # a list of years before 分别
    figs = extract("铁道部2009年税后利润为27.4亿元，2008年和2007年则分别为亏损129.5亿元和盈利87.2亿元。", date(2011, 5, 5))["figures"]
    assert [(f["period"], f["subject"]) for f in figs] == [("2009", "铁道部"), ("2008", "铁道部"), ("2007", "铁道部")]
    # X是Y的Z%: a share of Y, X's figure
    assert _fig("首都机场T2航站楼的提成比例是销售额的47.5%。", "47.5%", date(2018, 1, 10))["indicator"] == "提成比例"


def test_a_clause_names_its_figure_when_the_vocabulary_cannot():
    day = date(2026, 1, 26)
    text = "生产总值6.66万亿元，财政总收入7019亿元，综合交通网总规模29.5万公里，高速公路通车里程突破1万公里。"
    assert [f["indicator"] for f in extract(text, day)["figures"]] == ["生产总值", "财政总收入", "综合交通网总规模", "高速公路通车里程"]
    assert _fig("对外出售的商品猪的价格也达到了9.4元/斤。", "9.4元/斤", day)["indicator"] == "商品猪价格"
    assert _fig("7大产业集群对工业贡献率超过70%。", "超过70%", day)["indicator"] == "工业贡献率"
    assert _fig("但收入下降近20%。", "近20%", day)["indicator"] is None  # a measure alone names nothing


def test_this_month_and_last_month():
    figs = extract("本月股票建议配比仍为66.9%；债券建议配比为10%，上月为14.4%；现金建议配比为23.1%，上月为18.8%。", date(2018, 8, 31))["figures"]
    assert [f["period"] for f in figs] == ["2018-08", "2018-08", "2018-07", "2018-08", "2018-07"]
    assert [f["indicator"] for f in figs] == ["股票建议配比", "债券建议配比", "债券建议配比", "现金建议配比", "现金建议配比"]


def test_rules_the_seventh_set_showed():
    day = date(2021, 12, 8)
    # A stock named right before its move, known or not; a sector is no stock.
    text = "港股午间收跌0.3%。电力股大涨居前，星河电力涨8%；医药股走强，云帆生物涨超6%；比亚迪电子涨逾5%；汽车股大涨4%。"
    assert [(_fig(text, t, day)["subject"], _fig(text, t, day)["period"]) for t in ("8%", "超6%", "逾5%")] == [
        ("星河电力", "2021-12-08"), ("云帆生物", "2021-12-08"), ("比亚迪电子", "2021-12-08")]
    assert _fig(text, "4%", day)["subject"] is None
    # The company announcing is the subject, not the exchange it announces at.
    text = "远航地产控股12月8日午间在港交所公告，11月实现合同销售金额约人民币50.2亿元，同比下降12%。"
    assert {_fig(text, t, day)["subject"] for t in ("约人民币50.2亿元", "12%")} == {"远航地产控股"}
    # A market's quotes are that day's; 3个月 is a tenor; 盘中 is today's session.
    text = "3个月shibor报2.4890%，上涨0.1个基点。南下资金净买入12.5亿港元。某药业(1652.HK)盘中低见1.1港元，总市值已不足10亿港元。"
    assert {_fig(text, t, day)["period"] for t in ("2.4890%", "0.1个基点", "12.5亿港元", "1.1港元", "不足10亿港元")} == {"2021-12-08"}
    # A ministry's statistics are China's, unless it asks the provinces for them.
    assert _fig("国家能源局数据显示，1-10月全社会用电量6.9万亿千瓦时。", "6.9万亿千瓦时", day)["subject"] == "中国"
    assert _fig("财政部要求，各地专项债券发行比例不得低于80%。", "低于80%", day)["subject"] is None
    assert _fig("美国财政部数据显示，10年期国债收益率为1.5%。", "1.5%", day)["subject"] != "中国"
    # A target price has no period; the forecast before it has.
    text = "某券商预计长城汽车明年销量同比增46%至190万辆，目标价41港元。"
    assert (_fig(text, "46%", day)["period"], _fig(text, "41港元", day)["period"]) == ("2022", None)
    # An industry's move beside a company's is no company's; a group of countries' share is no country's.
    text = "比亚迪11月销量同比跌16%，大于行业跌大约11%。"
    assert (_fig(text, "16%", day)["subject"], _fig(text, "大约11%", day)["subject"]) == ("比亚迪", None)
    assert _fig("加拿大、俄罗斯、德国三国探明储量占世界总量的70%。", "70%", day)["subject"] is None
    # A flash's dateline day is its data's day; a dispatch's (电) is no period, nor its month.
    assert _fig("2021年12月8日讯，财政部2年期国债中标利率为2.4576%。", "2.4576%", day)["period"] == "2021-12-08"
    assert _fig("2011年3月9日电 某公司净利润增长20%。", "20%", day)["period"] is None
    # Names ending in a measure the vocabulary does not know; a change right after an amount is the amount's.
    text = "新增某投资公司为股东（持股比例为34.9%）。同时，该公司注册资本增至约7142.86万元，增幅约43%。"
    assert _fig(text, "34.9%", day)["indicator"] == "持股比例"
    assert _fig(text, "约43%", day)["indicator"] == _fig(text, "约7142.86万元", day)["indicator"] == "注册资本"
    assert _fig("印度央行将关键利率维持在4.00%不变。", "4.00%", day)["indicator"] == "关键利率"
    # The present (现在, 这几年) takes no year from a heading.
    text = "一、2018年经济展望\n现在潜在增长水平已经降到6.7%左右。\n2018年GDP增速预计为6.8%。"
    assert (_fig(text, "6.7%左右", day)["period"], _fig(text, "6.8%", day)["period"]) == (None, "2018")


def test_rules_the_eighth_set_showed():
    day = date(2021, 12, 8)
    # 今日 in a market's sentence is the article's day; 第34个交易日 is a count, not a day.
    text = "A股三大指数今日集体走强，其中沪指收盘上涨1.18%。市场成交额为连续第34个交易日突破万亿，今日达到1.1万亿元。"
    assert (_fig(text, "1.18%", day)["period"], _fig(text, "1.1万亿元", day)["period"]) == ("2021-12-08", "2021-12-08")
    # A commodity future's move: the commodity is its name, no one's subject.
    text = "国内商品期货多数收跌，硅铁跌超5%，玻璃、不锈钢跌超4%。"
    assert [(_fig(text, t, day)["indicator"], _fig(text, t, day)["subject"]) for t in ("超5%", "超4%")] == [("硅铁", None), ("不锈钢", None)]
    # 隔夜 before a stock is the night before; the next sentence's figures take no day from it.
    text = "隔夜某某科技大涨逾3%。分析认为，原因之一是其出货量目标提高30%。"
    assert (_fig(text, "逾3%", day)["period"], _fig(text, "30%", day)["period"]) == ("2021-12-07", None)
    # 公司 is the company named before, over a place or 全国 after it.
    text = "中国广核(003816)12月8日在互动平台表示，机组满发。此外根据广东省的通知，公司2022年阳江核电6台机组共安排112.93亿千瓦时。"
    assert _fig(text, "112.93亿千瓦时", day)["subject"] == "中国广核"
    text = "华兰生物(002007.SZ)12月8日在投资者互动平台表示，目前公司流感疫苗覆盖全国2500多家疾控中心。"
    assert (_fig(text, "2500多家", day)["subject"], _fig(text, "2500多家", day)["period"]) == ("华兰生物", None)
    # X表示，公司… and X财报显示 name a company; 目前 is the present; names ending in 量.
    text = "远山牧业表示，公司预计2021年底产能将超过7000万头，目前公司生猪存栏量在3600万头左右。"
    got = _fig(text, "3600万头左右", day)
    assert (got["subject"], got["period"], got["indicator"]) == ("远山牧业", None, "生猪存栏量")
    assert _fig(text, "超过7000万头", day)["period"] == "2021"
    assert _fig("星云财报显示，星云2021年三季度营收5110万美元。", "5110万美元", day)["subject"] == "星云"
    # 我国第一 is where a rank is counted: the province's trade is the province's.
    text = "广东始终保持我国第一外贸大省地位，进出口贸易额从2001年的1.46万亿元增至2020年的7.09万亿元。"
    assert {_fig(text, t, day)["subject"] for t in ("1.46万亿元", "7.09万亿元")} == {"广东省"}
