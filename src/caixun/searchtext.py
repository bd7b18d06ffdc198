"""Chinese search text: index tokens, query parsing, snippets (pure).

Chinese has no spaces, and a word segmenter (jieba) keeps 介休市 or 亿美元 as
one word, so a search for 介休 or 美元 misses those articles (measured in
../shared/anchors/search.md: jieba's cut finds 32-75% of the hits of one- and
two-character queries). The index therefore holds every character bigram of
each run of Chinese characters, plus the last character of the run, and Latin
letters and digits as whole words:

    贵州茅台600519涨停  ->  贵州 州茅 茅台 台 600519 涨停 停

A query is matched as a phrase of those tokens, which is exactly "the text
contains this string" for Chinese:

    茅台   -> 茅台                  (one bigram)
    贵州茅台 -> "贵州 州茅 茅台"      (consecutive bigrams)
    涨     -> 涨*                   (a token starting with 涨: a bigram, or
                                     the run's last character)
    台600519 -> "台 600519"          (a run that must end where the next begins)

Latin words and numbers match whole words (and, at the end of a term, as a
prefix). Several terms separated by spaces must all occur (AND).

Traditional characters are folded to Simplified in the index and in the
queries alike (caixun.han, a table from OpenCC), so 證券 finds 证券 and 证券
finds 證券. The fold maps one character to one: offsets carry over.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from operator import add

from caixun.han import T2S as _T2S
from caixun.han import fold_han

# Han ideographs (with extensions and compatibility forms), kana and hangul.
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
_ALL_CJK = re.compile(rf"[{_CJK}]+")
MAX_TERMS = 8
MAX_TERM_CHARS = 64


# Full-width ASCII forms (Ｇ, １, ％) and the ideographic space to ASCII: the
# part of NFKC that matters in Chinese news. Full NFKC cost 70 µs per article,
# half of indexing, because every text with full-width punctuation takes its
# slow path. Lengths are kept, so offsets in the text stay valid.
FULLWIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALFWIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
_WIDTH = str.maketrans(FULLWIDTH, HALFWIDTH)
# One table for both folds: a lookup per character either way (measured: no
# slower than the full-width table alone).
_FOLD = {**{ord(f): h for f, h in zip(FULLWIDTH, HALFWIDTH, strict=True)}, **_T2S}


def normalize(text: str) -> str:
    """What both the index and the queries see: full-width forms folded to
    ASCII, Traditional characters to Simplified, lower case. Same length as
    the text."""
    return text.translate(_FOLD).lower()


def _run_tokens(run: str, closed: bool) -> list[str]:
    if not _IS_CJK.match(run):
        return [run]
    tokens = list(map(add, run[:-1], run[1:]))  # bigrams, joined in C
    if closed or len(run) == 1:
        tokens.append(run[-1])
    return tokens


def index_tokens(text: str, *, traditional_folded: bool = True) -> list[str]:
    """Tokens of a text, in order (positions matter for phrases). Without
    `traditional_folded`, as indexes made before the fold hold them (to
    take such rows out again)."""
    tokens: list[str] = []
    norm = normalize(text) if traditional_folded else text.translate(_WIDTH).lower()
    for run in _RUN.findall(norm):
        if len(run) > 1 and _IS_CJK.match(run):
            tokens += map(add, run[:-1], run[1:])
            tokens.append(run[-1])
        else:
            tokens.append(run)
    return tokens


def index_text(*texts: str, traditional_folded: bool = True) -> str:
    """Tokens of the texts as one space-separated string (what FTS5's
    unicode61 tokenizer, or PostgreSQL, then splits on spaces)."""
    return " ".join(t for text in texts for t in index_tokens(text, traditional_folded=traditional_folded))


@dataclass(frozen=True, slots=True)
class Term:
    """One search term: the string to find, and its tokens as a phrase."""

    text: str  # normalized
    tokens: tuple[str, ...]
    prefix: bool  # the last token may be the start of a longer token


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[Term, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(q: str) -> Query:
    """Split a user query into terms (on spaces and punctuation), each a
    phrase of index tokens. Text with nothing searchable gives an empty Query."""
    terms: list[Term] = []
    for word in normalize(q).split():
        for group in _adjacent_runs(word[:MAX_TERM_CHARS]):
            tokens: list[str] = []
            for i, run in enumerate(group):
                tokens.extend(_run_tokens(run, closed=i < len(group) - 1))
            last = group[-1]
            # One trailing Chinese character, or a trailing word, may continue.
            term = Term("".join(group), tuple(tokens), prefix=len(last) == 1 or not _IS_CJK.match(last))
            if term not in terms:
                terms.append(term)
    return Query(tuple(terms[:MAX_TERMS]))


def _adjacent_runs(word: str) -> list[list[str]]:
    """Runs of a word grouped where nothing separates them: punctuation inside
    a word splits it ("人民币/美元" is two terms)."""
    groups: list[list[str]] = []
    end = -1
    for m in _RUN.finditer(word):
        if m.start() != end:
            groups.append([])
        groups[-1].append(m.group())
        end = m.end()
    return groups


def fts5_match(query: Query) -> str:
    """The query as an FTS5 MATCH expression (every term quoted: no operator
    or column name in user input can reach FTS5's query syntax)."""
    parts = []
    for term in query.terms:
        phrase = '"' + " ".join(t.replace('"', '""') for t in term.tokens) + '"'
        parts.append(phrase + (" *" if term.prefix else ""))
    return " AND ".join(parts)


# A term of at least this many Chinese characters can be looked up in a
# trigram index (SQLite's trigram tokenizer): one token for three characters,
# where the bigram index needs a phrase of two frequent tokens.
TRIGRAM_MIN = 3


def trigram_match(query: Query) -> str | None:
    """The query as a MATCH expression for a trigram index over the raw
    title and text, or None when a term cannot be answered there exactly: a
    term shorter than TRIGRAM_MIN, or with Latin letters or digits (those
    match whole words, not substrings). Chinese characters are the same in
    the raw and the normalized text, so a substring of them is found in
    either."""
    parts = []
    for term in query.terms:
        if len(term.text) < TRIGRAM_MIN or not _ALL_CJK.fullmatch(term.text):
            return None
        parts.append('"' + term.text + '"')  # only CJK characters: nothing to escape
    return " AND ".join(parts) or None


# A query of one term of at most this many Chinese characters, without
# filters, is counted from the number of documents of its token (see
# short_terms): one row instead of a walk over a doclist of up to a third
# of the archive.
SHORT_MAX = 2


def short_terms(*texts: str) -> set[str]:
    """Every Chinese character and character bigram of the texts: the
    one- and two-character terms a document is found by. A character is
    found by the prefix query of the bigram it starts, or is the last
    character of its run; a bigram is an index token. Of normalize, only the
    Traditional fold touches Chinese characters, so that is all done here."""
    found: set[str] = set()
    for text in texts:
        for run in _ALL_CJK.findall(fold_han(text)):
            found.update(run)
            found.update(map(add, run[:-1], run[1:]))
    return found


def short_term(query: Query) -> str | None:
    """The query's one term when it is one or two Chinese characters (what
    short_terms holds), else None."""
    if len(query.terms) != 1:
        return None
    text = query.terms[0].text
    return text if len(text) <= SHORT_MAX and _ALL_CJK.fullmatch(text) else None


def contains(query: Query, *texts: str) -> bool:
    """The reference semantics, checked directly: every term occurs in the
    normalized texts, and a term that starts with a Latin letter or digit
    starts a word there (words are indexed whole: 6005 finds 600519, not
    1600519)."""
    hay = "\n".join(normalize(t) for t in texts)
    for term in query.terms:
        pattern = re.escape(term.text)
        if not _IS_CJK.match(term.text):
            pattern = "(?<![0-9a-z])" + pattern
        if not re.search(pattern, hay):
            return False
    return True


def snippet(text: str, query: Query, width: int = 120) -> str:
    """HTML: a window of the text around the first match, matches in <mark>,
    everything else escaped."""
    norm = normalize(text)
    spans = []
    for term in query.terms:
        for m in re.finditer(re.escape(term.text), norm):
            spans.append((m.start(), m.end()))
    if not spans:
        return html.escape(text[:width]) + ("…" if len(text) > width else "")
    spans.sort()
    first = spans[0][0]
    start = max(0, first - width // 4)
    end = min(len(text), start + width)
    out, pos = [], start
    for s, e in spans:
        if s < pos or s >= end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")
