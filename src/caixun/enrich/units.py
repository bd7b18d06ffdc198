"""Unit words after (or before) a number: what kind of figure they make, the
unit code we report, and the factor to the base unit (pure data, and the
fold of traditional characters that reads them).

Money uses ISO 4217 codes; percentages `%`, `pp` (百分点), `bp` (基点);
measures SI-style codes; counts keep the measure word itself (人次, 户, 家);
prices are compound codes (CNY/t, USD/bbl, CNY/share).
"""

from __future__ import annotations

from decimal import Decimal

from caixun.han import fold_for_figures

CURRENCIES = {
    "人民币元": "CNY", "人民币": "CNY", "人民幣": "CNY", "港幣": "HKD", "美金": "USD", "蚊": "HKD", "元人民币": "CNY", "元": "CNY", "块钱": "CNY", "块": "CNY", "圆": "CNY",
    "美元": "USD", "港元": "HKD", "港币": "HKD", "港纸": "HKD", "欧元": "EUR", "日元": "JPY",
    "日币": "JPY", "英镑": "GBP", "新台币": "TWD", "台币": "TWD", "韩元": "KRW", "澳元": "AUD", "澳币": "AUD",
    "加元": "CAD", "加币": "CAD", "卢布": "RUB", "泰铢": "THB", "新加坡元": "SGD", "新元": "SGD",
    "瑞士法郎": "CHF", "瑞郎": "CHF", "印度卢比": "INR", "卢比": "INR", "澳门元": "MOP", "澳门币": "MOP",
    "马来西亚林吉特": "MYR", "林吉特": "MYR", "菲律宾比索": "PHP", "越南盾": "VND", "新西兰元": "NZD",
    "巴西雷亚尔": "BRL", "南非兰特": "ZAR", "兰特": "ZAR", "比特币": "BTC", "美圆": "USD", "奈拉": "NGN",
    "里拉": "TRY", "土耳其里拉": "TRY", "比索": "MXN", "墨西哥比索": "MXN", "迪拉姆": "AED", "里亚尔": "SAR",
    "瑞典克朗": "SEK", "挪威克朗": "NOK", "丹麦克朗": "DKK", "克朗": "SEK", "新谢克尔": "ILS", "兹罗提": "PLN",
    "福林": "HUF", "印尼盾": "IDR", "缅元": "MMK", "埃及镑": "EGP", "日圆": "JPY", "港圆": "HKD", "欧圆": "EUR",
}  # fmt: skip
# Written before the number: $100, US$5, ¥30.
CURRENCY_SIGNS = {"US$": "USD", "HK$": "HKD", "NT$": "TWD", "A$": "AUD", "C$": "CAD", "S$": "SGD", "$": "USD",
                  "¥": "CNY", "￥": "CNY", "RMB": "CNY", "€": "EUR", "£": "GBP", "₩": "KRW", "USD": "USD",
                  "CNY": "CNY", "HKD": "HKD", "EUR": "EUR", "JPY": "JPY", "GBP": "GBP"}  # fmt: skip
# Cents of other currencies, written as their own word: 85美分 = USD 0.85.
CURRENCY_CENTS = {"美分": "USD", "美仙": "USD", "港仙": "HKD", "便士": "GBP", "欧分": "EUR", "歐分": "EUR", "日本銭": "JPY", "日本钱": "JPY"}
# Fractions of a yuan.
SUBUNITS = {"角": Decimal("0.1"), "毛": Decimal("0.1"), "毫": Decimal("0.1"), "分": Decimal("0.01"), "仙": Decimal("0.01")}

MEASURES: dict[str, tuple[str, Decimal]] = {
    # mass
    "吨": ("t", Decimal(1)), "公吨": ("t", Decimal(1)), "千克": ("kg", Decimal(1)), "公斤": ("kg", Decimal(1)),
    "克": ("g", Decimal(1)), "毫克": ("mg", Decimal(1)), "微克": ("ug", Decimal(1)), "斤": ("jin", Decimal(1)),
    "市斤": ("jin", Decimal(1)), "磅": ("lb", Decimal(1)), "盎司": ("oz", Decimal(1)), "kg": ("kg", Decimal(1)),
    "t": ("t", Decimal(1)), "mg": ("mg", Decimal(1)), "两": ("liang", Decimal(1)), "公两": ("liang", Decimal(1)),
    # length
    "千米": ("km", Decimal(1)), "公里": ("km", Decimal(1)), "米": ("m", Decimal(1)), "厘米": ("cm", Decimal(1)),
    "公分": ("cm", Decimal(1)), "毫米": ("mm", Decimal(1)), "英里": ("mi", Decimal(1)), "英尺": ("ft", Decimal(1)),
    "英寸": ("in", Decimal(1)), "码": ("yd", Decimal(1)), "海里": ("nmi", Decimal(1)), "华里": ("li", Decimal(1)),
    "尺": ("chi", Decimal(1)), "寸": ("cun", Decimal(1)), "km": ("km", Decimal(1)), "cm": ("cm", Decimal(1)),
    "mm": ("mm", Decimal(1)), "m": ("m", Decimal(1)), "公尺": ("m", Decimal(1)), "公裏": ("km", Decimal(1)),
    "英裏": ("mi", Decimal(1)), "呎": ("ft", Decimal(1)), "英呎": ("ft", Decimal(1)), "吋": ("in", Decimal(1)),
    "英吋": ("in", Decimal(1)), "g": ("g", Decimal(1)), "cc": ("mL", Decimal(1)), "feet": ("ft", Decimal(1)), "feets": ("ft", Decimal(1)), "foots": ("ft", Decimal(1)),
    "foot": ("ft", Decimal(1)), "inch": ("in", Decimal(1)), "inches": ("in", Decimal(1)), "mile": ("mi", Decimal(1)),
    "miles": ("mi", Decimal(1)),
    # area
    "平方米": ("m2", Decimal(1)), "平米": ("m2", Decimal(1)), "㎡": ("m2", Decimal(1)), "m2": ("m2", Decimal(1)),
    "平方公里": ("km2", Decimal(1)), "平方千米": ("km2", Decimal(1)), "km2": ("km2", Decimal(1)),
    "平方厘米": ("cm2", Decimal(1)), "亩": ("mu", Decimal(1)), "公顷": ("ha", Decimal(1)),
    # volume
    "立方米": ("m3", Decimal(1)), "方": ("m3", Decimal(1)), "m3": ("m3", Decimal(1)), "升": ("L", Decimal(1)),
    "公升": ("L", Decimal(1)), "毫升": ("mL", Decimal(1)), "ml": ("mL", Decimal(1)), "mL": ("mL", Decimal(1)),
    "L": ("L", Decimal(1)), "加仑": ("gal", Decimal(1)), "加侖": ("gal", Decimal(1)), "桶": ("bbl", Decimal(1)),
    "茶匙": ("mL", Decimal(5)), "汤匙": ("mL", Decimal(15)), "湯匙": ("mL", Decimal(15)),
    # energy, power, frequency, data
    "千瓦时": ("kWh", Decimal(1)), "度电": ("kWh", Decimal(1)), "kWh": ("kWh", Decimal(1)), "兆瓦时": ("MWh", Decimal(1)),
    "MWh": ("MWh", Decimal(1)), "吉瓦时": ("GWh", Decimal(1)), "GWh": ("GWh", Decimal(1)), "太瓦时": ("TWh", Decimal(1)),
    "TWh": ("TWh", Decimal(1)),
    "瓦": ("W", Decimal(1)), "千瓦": ("kW", Decimal(1)), "兆瓦": ("MW", Decimal(1)), "吉瓦": ("GW", Decimal(1)),
    "kW": ("kW", Decimal(1)), "MW": ("MW", Decimal(1)), "GW": ("GW", Decimal(1)), "W": ("W", Decimal(1)),
    "千伏": ("kV", Decimal(1)), "伏特": ("V", Decimal(1)), "kV": ("kV", Decimal(1)),  # 750千伏输变电工程 (not 伏: 起伏)
    "千伏安": ("kVA", Decimal(1)), "kVA": ("kVA", Decimal(1)),  # 变电容量201万千伏安: a transformer capacity
    "千卡": ("kcal", Decimal(1)), "大卡": ("kcal", Decimal(1)), "卡路里": ("cal", Decimal(1)),
    "赫兹": ("Hz", Decimal(1)), "千赫": ("kHz", Decimal(1)), "兆赫": ("MHz", Decimal(1)), "吉赫": ("GHz", Decimal(1)),
    "Hz": ("Hz", Decimal(1)), "MHz": ("MHz", Decimal(1)), "GHz": ("GHz", Decimal(1)),
    "比特": ("bit", Decimal(1)), "千比特": ("kbit", Decimal(1)), "兆比特": ("Mbit", Decimal(1)),
    "字节": ("B", Decimal(1)), "千字节": ("KB", Decimal(1)), "兆字节": ("MB", Decimal(1)), "吉字节": ("GB", Decimal(1)),
    "KB": ("KB", Decimal(1)), "MB": ("MB", Decimal(1)), "GB": ("GB", Decimal(1)),
}  # fmt: skip
# Counts: the measure word is the unit.
COUNTERS = [
    "部门", "批次", "票", "人次", "架次", "辆次", "艘次", "户次", "万人", "人", "户", "个", "個", "项", "家", "股", "头", "辆", "套", "只", "台", "架",
    "艘", "件", "座", "间", "栋", "幢", "所", "名", "位", "张", "部", "例", "条", "宗", "笔", "单", "批", "场", "支",
    "款", "份", "本", "篇", "种", "处", "棵", "株", "枚", "颗", "口", "匹", "吨公里", "标箱", "箱", "手", "亿人次",
    "剂次", "剂", "羽", "列", "起", "轮",
]  # fmt: skip
PERCENT_UNITS = {"%": ("%", Decimal(1)), "％": ("%", Decimal(1)), "‰": ("%", Decimal("0.1")),
                 "个百分点": ("pp", Decimal(1)), "個百分點": ("pp", Decimal(1)), "百分點": ("pp", Decimal(1)), "百分点": ("pp", Decimal(1)), "个基点": ("bp", Decimal(1)),
                 "基点": ("bp", Decimal(1)), "bp": ("bp", Decimal(1)), "BP": ("bp", Decimal(1)), "成": ("%", Decimal(10))}  # fmt: skip
# Time words: a number before them is a date, a period or a duration, not a figure.
TIME_WORDS = ["年代", "年度", "年", "个月", "月份", "月", "日", "号", "天", "周", "星期", "小时", "时", "分钟", "秒",
              "季度", "世纪", "岁", "周年", "个交易日", "交易日", "工作日"]  # fmt: skip
# Per-unit denominators of prices: 元/吨, 美元/桶, 元/股.
PER = {"吨": "t", "桶": "bbl", "股": "share", "平方米": "m2", "平米": "m2", "㎡": "m2", "克": "g", "公斤": "kg",
       "千克": "kg", "斤": "jin", "盎司": "oz", "升": "L", "千瓦时": "kWh", "度": "kWh", "头": "head", "人": "person",
       "月": "month", "年": "year", "天": "day", "亩": "mu", "件": "piece", "个": "piece", "辆": "vehicle",
       "手": "lot", "张": "piece", "小时": "hour", "公里": "km", "米": "m", "立方米": "m3", "方": "m3",
       "磅": "lb", "加仑": "gal", "蒲式耳": "bu", "秒": "s", "公顷": "ha",
       "MWh": "MWh", "kWh": "kWh", "t": "t", "bbl": "bbl", "oz": "oz"}  # fmt: skip

def fold_traditional(text: str) -> str:
    """Traditional characters as Simplified, one for one, so that offsets stay
    valid (約新台幣13,000元 reads as 约新台币13,000元: TWD, about; 六個百分點
    as 六个百分点); 個 before a numeral stays, the Cantonese dollar (個九 =
    HK$1.9). The text itself when it has none (caixun.han)."""
    global _last_fold
    given, folded = _last_fold
    if text is given:  # facts and figures both fold the one text: looking costs 2% of extraction
        return folded
    folded = fold_for_figures(text)
    _last_fold = (text, folded)
    return folded


_last_fold: tuple[str | None, str] = (None, "")

