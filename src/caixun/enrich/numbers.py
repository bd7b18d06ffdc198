"""Numerals: Arabic, Chinese and their mixes, to exact Decimals (pure).

    1.6万 -> 16000        一千二百万 -> 12000000     两百 -> 200
    3,500 -> 3500         1.2万亿 -> 1200000000000   二点五 -> 2.5
    三千万亿 -> 3e15      一万五 -> 15000 (spoken: the digit after a unit
                                         counts in the next lower unit)

`parse_numeral` gives the value of a numeral span, or None. Nothing here
raises on odd input.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

DIGITS = {
    "零": 0, "〇": 0, "○": 0, "Ｏ": 0, "洞": 0,
    "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "俩": 2, "倆": 2, "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
# Tens written as one character: 廿 20, 卅 30, 卌 40.
TENS = {"廿": 20, "卅": 30, "卌": 40}  # not 念 (20 in old texts): 概念股 is no number
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8, "兆": 10**12}
# Shorthand suffixes seen in finance chat and peer cases: 15k, 30w, 1.2M, 0.5G.
# Not G or B: in news "5G" is a network, not five billion.
LATIN_SCALE = {"k": 1000, "K": 1000, "w": 10**4, "W": 10**4, "M": 10**6}
ZEROS = "零〇○"
DECIMAL_POINTS = "点點"

# Not the full-width comma: it is Chinese punctuation in almost every text, and
# the patterns accept it as a thousands mark where it is one (3，500).
_FULLWIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")
_ANY_FULLWIDTH = re.compile("[０-９．－＋]")


def to_ascii_digits(text: str) -> str:
    """Full-width digits and signs to ASCII (same length, offsets stay valid)."""
    # Searching first: most texts have none, and translating costs 6× the search.
    return text.translate(_FULLWIDTH) if _ANY_FULLWIDTH.search(text) else text


def parse_numeral(s: str) -> Decimal | None:
    """The value of one numeral, or None if it is not one."""
    s = to_ascii_digits(s.strip()).replace(",", "").replace("，", "").replace(" ", "")
    if not s:
        return None
    sign = 1
    if s[0] in "-−负負":
        sign, s = -1, s[1:]
    elif s[0] == "+":
        s = s[1:]
    if s.startswith("."):
        s = "0" + s
    if s and s[-1] in LATIN_SCALE and re.fullmatch(r"\d+(?:\.\d+)?", s[:-1]):
        return sign * Decimal(s[:-1]) * LATIN_SCALE[s[-1]]
    if s.startswith("半") and s[1:] in ("百", "千", "万"):
        return sign * Decimal(SMALL_UNITS.get(s[1:]) or BIG_UNITS[s[1:]]) / 2  # 半百 = 50
    try:
        value = _parse(s)
    except (InvalidOperation, ValueError, IndexError, KeyError):
        return None
    return None if value is None else sign * value


def _parse(s: str) -> Decimal | None:
    if not s:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return Decimal(s)
    # The largest big unit splits the numeral: 一亿三千万 = 一 × 亿 + 三千万;
    # its last occurrence, so that 三千万亿 = 三千万 × 亿.
    for unit in ("兆", "亿", "億", "万", "萬"):
        at = s.rfind(unit)
        if at < 0:
            continue
        left, right = s[:at], s[at + 1 :]
        if unit in "亿億" and "兆" in left:
            continue
        if unit in "万萬" and any(u in left for u in "亿億兆"):
            continue
        if left.startswith("百") or left.startswith("千"):
            left = "一" + left  # 百二万 = 一百二十万
        left_value = _parse(left) if left else Decimal(1)
        if left_value is None:
            return None
        scale = Decimal(BIG_UNITS[unit])
        if not right:
            return left_value * scale
        # 一万五 = 15000: a single digit after the unit is in the next lower place
        if len(right) == 1 and right in DIGITS:
            return left_value * scale + DIGITS[right] * scale / 10
        right_value = _parse(right.lstrip(ZEROS))
        if right_value is None:
            return None
        return left_value * scale + right_value
    return _section(s)


_TOKEN = re.compile(rf"\d+(?:\.\d+)?|[十拾百佰千仟]|[{''.join(DIGITS)}{''.join(TENS)}]|[{DECIMAL_POINTS}]")


def _section(s: str) -> Decimal | None:
    """A numeral below 10,000: 三千零五, 十五, 两百五, 3千, 5千4百6, 2.5, 二点五,
    一二三 (digit by digit), 廿二, 百三 (= 130)."""
    for p in DECIMAL_POINTS:
        if p in s:
            whole, _, frac = s.partition(p)
            if not frac:
                return None
            if frac.isdigit():
                digits = frac
            elif all(c in DIGITS for c in frac):
                digits = "".join(str(DIGITS[c]) for c in frac)
            else:
                return None
            w = _section(whole) if whole else Decimal(0)
            return None if w is None else w + Decimal("0." + digits)
    tokens = _TOKEN.findall(s)
    if "".join(tokens) != s:
        return None
    if all(t in DIGITS for t in tokens):
        if len(tokens) == 1:
            return Decimal(DIGITS[tokens[0]])
        return Decimal("".join(str(DIGITS[c]) for c in tokens))  # 一九九八, read digit by digit
    if tokens[0] in ("百", "佰", "千", "仟"):
        tokens.insert(0, "一")  # 百三 = 一百三
    total = Decimal(0)
    digit: Decimal | None = None
    last_unit = 10**5
    prev = ""
    for t in tokens:
        if t in TENS:
            if digit is not None:
                return None
            digit = Decimal(TENS[t])
            last_unit = 10  # what follows 廿 is the ones place
            total += digit
            digit = None
        elif t in DIGITS or t[0].isdigit():
            value = Decimal(DIGITS[t]) if t in DIGITS else Decimal(t)
            if t in ZEROS:
                digit = None  # 零 only holds a place: 一千零十 = 1010
            elif digit is not None:
                return None  # two digits in a row inside a section: not a numeral
            else:
                digit = value
        else:
            unit = SMALL_UNITS[t]
            if unit >= last_unit:
                return None  # 百百, 十百: out of order
            if digit is None:
                if unit != 10:
                    return None  # 百 alone needs a digit (十 may stand alone: 十五)
                digit = Decimal(1)
            total += digit * unit
            digit = None
            last_unit = unit
        prev = t
    if digit is not None:
        # 两百五 = 250: a lone Chinese digit right after 百 or 千 is in the next lower place
        if prev in DIGITS and len(tokens) >= 2 and tokens[-2] in SMALL_UNITS and last_unit >= 100:
            total += digit * last_unit / 10
        else:
            total += digit
    return total
