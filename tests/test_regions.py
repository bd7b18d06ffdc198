"""Regions: the gazetteer's integrity and how names in text become codes."""

from __future__ import annotations

from caixun.enrich.facts import extract
from caixun.enrich.regions import Gazetteer, extract_regions, gazetteer


def found(text):
    return [(m.text, m.code) for m in extract_regions(text)]


def test_gazetteer_is_complete_and_consistent():
    g = gazetteer()
    levels = {}
    for r in g.regions.values():
        levels[r.level] = levels.get(r.level, 0) + 1
        assert len(r.code) == 6 and r.code.isdigit()
        if r.level == "province":
            assert r.parent is None and r.code.endswith("0000")
        else:  # the parent exists, is one level up or more, and shares the code's prefix
            parent = g.regions[r.parent]
            assert parent.code[:2] == r.code[:2]
            assert ("province", "prefecture", "county").index(parent.level) < ("province", "prefecture", "county").index(r.level)
    assert levels["province"] == 34 and levels["prefecture"] > 330 and levels["county"] > 2800


def test_full_and_short_names_with_their_parent_chain():
    m = extract_regions("介休市GDP增长8.5%")[0]
    assert (m.code, m.name, m.level) == ("140781", "介休市", "county")
    assert [c for c, _ in m.parents] == ["140000", "140700"]
    assert found("上海、深圳两市成交额") == [("上海", "310000"), ("深圳", "440300")]
    assert found("湖北省襄阳市谷城县") == [("湖北省", "420000"), ("襄阳市", "420600"), ("谷城县", "420625")]
    assert found("新疆维吾尔自治区") == [("新疆维吾尔自治区", "650000")]  # the longest name wins


def test_names_that_are_words_need_a_parent_in_the_text():
    assert found("白银期货大涨") == []  # silver, not the city
    assert found("甘肃白银") == [("甘肃", "620000"), ("白银", "620400")]
    assert found("介休的煤炭") == []
    assert found("总量排名晋中第一，介休的煤炭") == [("晋中", "140700"), ("介休", "140781")]
    assert found("新县城建设") == []
    assert found("北京时间周一") == []


def test_a_parent_counts_in_the_same_sentence_a_full_name_anywhere():
    assert found("广东经济稳中有进。发展战略性新兴产业") == [("广东", "440000")]
    assert found("广东云浮新兴，发展产业") == [("广东", "440000"), ("云浮", "445300"), ("新兴", "445321")]
    assert found("介休市经济平稳。介休的煤炭") == [("介休市", "140781"), ("介休", "140781")]


def test_shared_names_are_resolved_by_context_or_left_out():
    assert found("朝阳区") == []
    assert found("北京朝阳区") == [("北京", "110000"), ("朝阳区", "110105")]
    assert found("长春朝阳区") == [("长春", "220100"), ("朝阳区", "220104")]
    assert found("吉林省") == [("吉林省", "220000")]
    assert found("吉林") == [("吉林", "220000")]  # the higher level
    assert found("吉林市") == [("吉林市", "220200")]


def test_regions_join_securities_in_the_entities_and_not_inside_a_company_name():
    entities = extract("上海机场(600009)涨停，浙江省出口增长")["entities"]
    assert [(e["type"], e["code"]) for e in entities] == [("security", "600009.SH"), ("region", "330000")]
    region = entities[1]
    assert region["name"] == "浙江省" and region["level"] == "province" and region["parents"] == []


def test_the_longest_name_at_each_place():
    g = Gazetteer([("140000", "山西省", "山西", "province", ""), ("610000", "陕西省", "陕西", "province", ""),
                   ("330000", "浙江省", "浙江", "province", ""), ("360000", "江西省", "江西", "province", "")])  # fmt: skip
    assert [m.text for m in g.find("山西省与陕西、浙江西部")] == ["山西省", "陕西", "浙江"]


def test_a_small_gazetteer():
    g = Gazetteer([("140000", "山西省", "山西", "province", ""), ("140700", "晋中市", "晋中", "prefecture", "140000"),
                   ("140781", "介休市", "介休", "county", "140700")])  # fmt: skip
    assert [(m.text, m.code) for m in g.find("晋中介休")] == [("晋中", "140700"), ("介休", "140781")]
    assert g.chain("140781") == (("140000", "山西省"), ("140700", "晋中市"))


def test_a_dateline_place_is_not_what_the_figures_are_about():
    figs = extract("路透北京8月31日 - 央行全周净回笼1,700亿元。北京GDP增长5%")["figures"]
    # 央行 is China's central bank: the economy, not the dateline's Beijing; the place's official name for 北京GDP
    assert [(f["text"], f["region"], f["subject"]) for f in figs] == [("1,700亿元", None, "中国"), ("5%", "110000", "北京市")]
    assert [e["code"] for e in extract("路透北京8月31日 - 央行净回笼1,700亿元")["entities"]] == ["110000"]  # still a mention


def test_the_reports_own_city_or_province_for_quan_shi_and_wo_sheng():
    figs = extract("重庆市能源形势。一季度，全市用电量163.89亿千瓦时。我市煤炭供应1314万吨。")["figures"]
    assert [(f["region"], f["subject"]) for f in figs] == [("500000", "重庆市"), ("500000", "重庆市")]
    figs = extract("广东经济稳中有进。全省地区生产总值增长3.9%，出口增长5%。")["figures"]
    assert {f["region"] for f in figs} == {"440000"}
    assert [f["region"] for f in extract("全市用电量增长5%")["figures"]] == [None]  # no city named: no guess


def test_the_place_a_rank_is_within_is_not_its_subject():
    figs = extract("2021年，介休市GDP完成341.3亿元，总量排名晋中第一。")["figures"]
    assert [(f["text"], f["subject"], f["region"], f["scope"]) for f in figs] == [
        ("341.3亿元", "介休市", "140781", None), ("第一", "介休市", "140781", "晋中")]
    figs = extract("2021年，介休市GDP完成341.3億元，總量排名晉中第一。")["figures"]  # traditional characters
    assert [(f["text"], f["subject"]) for f in figs] == [("341.3億元", "介休市"), ("第一", "介休市")]


def test_numbers_with_a_unit_are_about_the_stock_or_place_before_them_and_bare_ones_are_not():
    figs = extract("宁德时代(300750)净利润同比增长1.5倍，党的十九届六中全会")["figures"]
    assert [(f["text"], f["subject"]) for f in figs] == [("1.5倍", "宁德时代"), ("十九", None)]


def test_a_place_that_starts_an_organizations_name_is_not_a_mention():
    for text in ("南京大学发布报告", "南京银行净利润增长", "青岛港货物吞吐量", "湖北宜化集团营收", "北京首都国际机场旅客",
                 "深圳证券交易所", "上海原油期货合约"):  # fmt: skip
        assert extract_regions(text) == [], text
    for text, code in (("青岛港口吞吐量", "370200"), ("北京的银行", "110000"), ("上海保险业科技", "310000"),
                       ("上海一银行资金部", "310000"), ("广东省统计局", "440000")):  # fmt: skip
        assert [m.code for m in extract_regions(text)] == [code], text
    facts = extract("南京大学科研经费为50亿元，南京市GDP增长5%。")
    assert [e["code"] for e in facts["entities"]] == ["320100"]  # only 南京市, no link for 南京大学


def test_security_names_are_the_name_and_a_bracketed_year_no_code():
    from caixun.enrich.securities import extract_securities

    got = {s.name: s.code for s in extract_securities(
        "记者从中国石化（600028）获悉；预计港交所(0388.HK)；维持渣打集团(2888.HK)；首予三叶草生物-B(2197.HK)；"
        "白酒股龙头贵州茅台(600519)；有研稀土为有研新材(600206)；及银娱(0027.HK)；龙头股份(600630)")}  # fmt: skip
    assert got == {"中国石化": "600028.SH", "港交所": "00388.HK", "渣打集团": "02888.HK", "三叶草生物-B": "02197.HK",
                   "贵州茅台": "600519.SH", "有研新材": "600206.SH", "银娱": "00027.HK", "龙头股份": "600630.SH"}  # fmt: skip
    assert extract_securities("香港发布《粤港澳大湾区改革创新报告（2024）》") == []
    assert [s.code for s in extract_securities("港股方面，腾讯控股(0700)、美团-W(3690)")] == ["00700.HK", "03690.HK"]
