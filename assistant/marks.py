"""Trademark conflict pre-check: find registered/pending marks that look or sound like a proposed one.

Pure library (stdlib + numpy). Vietnamese-aware comparison:

* normalisation — NFKC, lower case, punctuation and spacing variants ignored ("Phở-Việt", "PHOVIET");
* diacritics — compared with and without tone marks, đ → d (``fold``);
* boilerplate — legal forms and generic words ("Công ty TNHH", "JSC", "Việt Nam", …) dropped before
  comparison; the lists are data in ``assistant/data/marks_generic_words.json``;
* sound — a phonetic key merging c/k/q, d/gi/r/z, s/x, ch/tr, ph/f, i/y, final n/ng/nh, final c/t/ch;
* spelling — trigram overlap and Damerau (OSA) edit distance on the folded, space-free form;
* word order — token-set comparison.

Nice classes weigh in (same class, related classes from ``marks_related_classes.json``, other classes),
and so does status (registered/pending are live; expired/refused/… are down-weighted).

Scale: ``MarkIndex`` keeps everything in numpy arrays — an exact-key table (hashes of the folded,
phonetic and sorted-token forms), a CSR inverted index from folded trigrams and another from phonetic
word keys — so ``check`` scores only a few hundred candidates in Python, even over 1,000,000 marks.
``save`` writes one file (JSON header, then raw 64-byte-aligned arrays); ``load`` memory-maps it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import unicodedata
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable

import numpy as np

__all__ = [
    "Conflict",
    "MarkIndex",
    "normalize_mark",
    "fold",
    "phonetic_key",
    "find_quoted_marks",
    "LIVE_STATUSES",
    "DEAD_STATUSES",
]

FORMAT_VERSION = 1
_MAGIC = b"ASSTMARKIDX\x00"

LIVE_STATUSES = frozenset({"registered", "pending", "granted", "published", "filed"})
DEAD_STATUSES = frozenset({"expired", "terminated", "refused", "withdrawn", "invalidated",
                           "cancelled", "canceled", "lapsed", "abandoned", "rejected"})
_STATUS_VI = {
    "registered": "đã được cấp văn bằng", "pending": "đang chờ xét", "refused": "bị từ chối",
    "withdrawn": "đã rút đơn", "expired": "đã hết hạn", "terminated": "bị chấm dứt hiệu lực",
    "invalidated": "bị hủy bỏ hiệu lực",
}
_RISK_RANK = {"high": 2, "medium": 1, "low": 0}
_RISKS = ("low", "medium", "high")

CHECK_FLOOR = 0.5       # candidates below this mark similarity are not reported by check()
SEARCH_FLOOR = 0.45
CANDIDATES = 240        # candidates scored in Python per query (plus exact-key hits)
_EXACT_CAP = 200        # at most this many rows per exact key
_TYPO_MAX_LEN = 10      # queries up to this many letters also look up their one-edit variants
_TYPO_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_COMMON_GRAM = 0.2      # trigrams in more than this share of marks are skipped when rarer ones exist


# --------------------------------------------------------------------------------------------------
# Text normalisation


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn")
        if base and base != ch and base.isascii():
            table[cp] = base
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    table[ord("ð")] = "d"
    return table


_FOLD = _fold_table()
_TOKEN = re.compile(r"[^\W_]+")
_SYMBOLS = re.compile(r"[™®©℠]")


def fold(text: str) -> str:
    """Lower-case and remove Vietnamese diacritics (tone marks, ă/â/ê/ô/ơ/ư, đ → d). Spacing is kept."""
    text = unicodedata.normalize("NFC", text or "").lower()
    text = text.translate(_FOLD)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def normalize_mark(text: str) -> str:
    """NFC/NFKC, lower case, punctuation and spacing variants removed: 'Phở-Việt®  ' → 'phở việt'."""
    text = _SYMBOLS.sub(" ", text or "")
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(_TOKEN.findall(text))


_PHON_RULES: list[tuple[re.Pattern, str]] = [(re.compile(p), r) for p, r in [
    (r"ngh", "ng"),
    (r"gh", "g"),
    (r"ph", "f"),
    (r"qu", "kw"),
    (r"tr|ch", "C"),                 # ch/tr merged (placeholder C)
    (r"kh", "X"),                    # kh kept apart from k (placeholder X)
    (r"gi(?=[aeiouy])", "z"),        # gi/d/r/z
    (r"[ckq]", "k"),                 # c/k/q
    (r"[drzj]", "z"),
    (r"[sx]", "s"),                  # s/x
    (r"y", "i"),                     # i/y
    (r"w", "u"),
    (r"(?<=[aeiou])(?:ng|nh)(?![aeiou])", "n"),   # final n/ng/nh
    (r"(?<=[aeiou])[tkC](?![aeiou])", "k"),       # final c/t/ch
    (r"C", "c"),
    (r"X", "x"),
    (r"([b-df-hj-np-tv-z])\1+", r"\1"),  # doubled consonants, last ('ngocchoi' keeps 'ch'): coffee → kofee

]]


@lru_cache(maxsize=65536)
def _phon(folded: str) -> str:
    s = folded
    for pat, rep in _PHON_RULES:
        s = pat.sub(rep, s)
    return s


def phonetic_key(text: str) -> str:
    """Vietnamese-aware sound key, one key per word: 'Cà Phê Mộc' and 'Kà Fê Mộk' → 'ka fe mok'."""
    return " ".join(_phon(t) for t in fold(normalize_mark(text)).split())


# --------------------------------------------------------------------------------------------------
# Data files


@lru_cache(maxsize=None)
def _data(name: str) -> dict:
    return json.loads(resources.files("assistant.data").joinpath(name).read_text(encoding="utf-8"))


class _Phrases:
    """Generic-word phrases by first word, matched as written or (for longer ones) without diacritics."""

    def __init__(self, phrases: Iterable[str]):
        self.by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], bool]]] = {}
        for p in phrases:
            norm = tuple(normalize_mark(p).split())
            if not norm:
                continue
            folded = tuple(fold(t) for t in norm)
            loose = len(norm) > 1 or len(norm[0]) >= 4
            entry = (norm, folded, loose)
            self.by_first.setdefault(norm[0], []).append(entry)
            if loose and folded[0] != norm[0]:
                self.by_first.setdefault(folded[0], []).append(entry)
        for lst in self.by_first.values():
            lst.sort(key=lambda e: -len(e[0]))

    def match(self, norm: list[str], folded: list[str], i: int) -> int:
        """Length of the longest phrase starting at word i (0 if none)."""
        for key in {norm[i], folded[i]}:
            for pn, pf, loose in self.by_first.get(key, ()):
                n = len(pn)
                if i + n > len(norm):
                    continue
                if tuple(norm[i:i + n]) == pn or (loose and tuple(folded[i:i + n]) == pf):
                    return n
        return 0

    def match_end(self, norm: list[str], folded: list[str]) -> int:
        for start in range(max(0, len(norm) - 4), len(norm)):
            n = self.match(norm, folded, start)
            if n and start + n == len(norm):
                return n
        return 0


@lru_cache(maxsize=1)
def _generic() -> tuple[_Phrases, _Phrases, _Phrases]:
    d = _data("marks_generic_words.json")
    return _Phrases(d["anywhere"]), _Phrases(d["edges"]), _Phrases(list(d["edges"]) + list(d["trailing"]))


@lru_cache(maxsize=1)
def _related() -> dict[int, dict[int, str]]:
    rel: dict[int, dict[int, str]] = {}
    for g in _data("marks_related_classes.json")["groups"]:
        for a in g["classes"]:
            for b in g["classes"]:
                if a != b:
                    rel.setdefault(a, {}).setdefault(b, g["label"])
    return rel


# --------------------------------------------------------------------------------------------------
# Mark features


@dataclass(frozen=True, slots=True)
class _Feat:
    norm: tuple[str, ...]         # distinctive words as written (lower case, diacritics kept)
    folded: tuple[str, ...]       # the same words without diacritics
    compact: str                  # folded words joined without spaces: 'phoviet'
    phon: str                     # phonetic key of the compact form
    phon_tokens: tuple[str, ...]  # phonetic key per word
    removed: tuple[str, ...]      # generic words dropped ('công ty tnhh', …)
    raw: str                      # compact form before dropping them: 'congtytnhhphoviet'

    @property
    def spaced(self) -> str:
        return " ".join(self.folded)

    def keys(self) -> list[str]:
        if not self.compact:
            return []
        keys = ["f:" + self.compact, "p:" + self.phon]
        if self.raw != self.compact:
            keys.append("f:" + self.raw)
        if len(self.folded) > 1:
            keys.append("t:" + " ".join(sorted(self.folded)))
        return keys


@lru_cache(maxsize=131072)
def _fold_word(word: str) -> str:
    return fold(word)


def _strip_generic(norm: list[str], folded: list[str]) -> tuple[list[str], list[str], list[str]]:
    anywhere, edges, trailing = _generic()
    kn: list[str] = []
    kf: list[str] = []
    removed: list[str] = []
    i = 0
    while i < len(norm):
        n = anywhere.match(norm, folded, i)
        if n:
            removed.append(" ".join(norm[i:i + n]))
            i += n
        else:
            kn.append(norm[i])
            kf.append(folded[i])
            i += 1
    while kn:
        n = edges.match(kn, kf, 0)
        if not n:
            break
        removed.append(" ".join(kn[:n]))
        del kn[:n], kf[:n]
    while kn:
        n = trailing.match_end(kn, kf)
        if not n:
            break
        removed.append(" ".join(kn[-n:]))
        del kn[-n:], kf[-n:]
    if not kn:
        return norm, folded, []
    return kn, kf, removed


@lru_cache(maxsize=65536)
def _features(mark: str) -> _Feat:
    norm = normalize_mark(mark).split()
    folded = [_fold_word(t) for t in norm]
    raw = "".join(folded)
    norm, folded, removed = _strip_generic(norm, folded)
    compact = "".join(folded)
    return _Feat(tuple(norm), tuple(folded), compact, _phon(compact),
                 tuple(dict.fromkeys(_phon(t) for t in folded)), tuple(removed), raw)


_ALPHABET = {c: i + 1 for i, c in enumerate("abcdefghijklmnopqrstuvwxyz0123456789")}
_SYM = 38  # 0 = word boundary, 1..36 = a-z0-9, 37 = any other character
_NGRAMS = _SYM ** 3


def _trigram_codes(compact: str) -> set[int]:
    if not compact:
        return set()
    s = [0] + [_ALPHABET.get(c, 37) for c in compact] + [0]
    return {s[i] * 1444 + s[i + 1] * 38 + s[i + 2] for i in range(len(s) - 2)}


def _trigrams(s: str) -> set[str]:
    s = f"^{s}$"
    return {s[i:i + 3] for i in range(len(s) - 2)}


def _hash(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little")


def _osa(a: str, b: str) -> int:
    """Optimal-string-alignment (restricted Damerau-Levenshtein) distance."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if not la or not lb:
        return la or lb
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        ai = a[i - 1]
        cur = [i] + [0] * lb
        for j in range(1, lb + 1):
            bj = b[j - 1]
            v = prev[j - 1] + (ai != bj)
            if prev[j] + 1 < v:
                v = prev[j] + 1
            if cur[j - 1] + 1 < v:
                v = cur[j - 1] + 1
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == bj and prev2[j - 2] + 1 < v:
                v = prev2[j - 2] + 1
            cur[j] = v
        prev2, prev = prev, cur
    return prev[lb]


def _diff_pairs(a: str, b: str, limit: int = 3) -> list[str]:
    pairs = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            pairs.append(f"{a[i1:i2] or '∅'}/{b[j1:j2] or '∅'}")
    return list(dict.fromkeys(pairs))[:limit]


def _compare(q: _Feat, c: _Feat) -> tuple[float, bool, list[str]]:
    """Mark similarity 0..1, whether the marks are near-identical, and the reasons (Vietnamese)."""
    if not q.compact or not c.compact:
        return 0.0, False, []
    if q.norm == c.norm:
        return 1.0, True, [f"Trùng hoàn toàn: '{' '.join(c.norm)}'"]
    if q.folded == c.folded:
        return 0.97, True, [f"Trùng khi bỏ dấu: '{c.spaced}'"]
    if q.compact == c.compact:
        return 0.96, True, [f"Trùng khi bỏ dấu và khoảng trắng/dấu câu: '{c.compact}'"]
    if q.raw == c.raw or q.compact == c.raw or q.raw == c.compact:
        return 0.95, True, [f"Trùng khi bỏ dấu và khoảng trắng (tính cả phần chung): '{c.raw}'"]
    if len(q.folded) > 1 and sorted(q.folded) == sorted(c.folded):
        return 0.93, True, [f"Cùng các từ, khác thứ tự: '{q.spaced}' / '{c.spaced}'"]
    if q.phon == c.phon:
        pairs = _diff_pairs(q.compact, c.compact)
        return 0.92, True, [f"Phát âm gần giống ({', '.join(pairs)}): '{q.spaced}' / '{c.spaced}'"]

    a, b = q.compact, c.compact
    la, lb = len(a), len(b)
    longest, shortest = max(la, lb), min(la, lb)
    ga, gb = _trigrams(a), _trigrams(b)
    dice = 2 * len(ga & gb) / (len(ga) + len(gb))
    sim = dice
    near = False
    reasons: list[str] = []
    if abs(la - lb) <= 2 and (dice >= 0.25 or longest <= 8):
        d = _osa(a, b)
        if d == 1 and longest >= 4:
            near = True
            sim = max(sim, 0.9)
            reasons.append(f"Khác 1 ký tự (khi bỏ dấu): '{a}' / '{b}'")
        elif d == 2 and longest >= 9:
            sim = max(sim, 0.82)
            reasons.append(f"Khác 2 ký tự (khi bỏ dấu): '{a}' / '{b}'")
        else:
            sim = max(sim, 0.95 * (1 - d / longest))
        if not near and abs(len(q.phon) - len(c.phon)) <= 1 and _osa(q.phon, c.phon) == 1 and longest >= 6:
            sim = max(sim, 0.86)
            reasons.append(f"Phát âm gần giống (khác 1 âm): '{q.spaced}' / '{c.spaced}'")
    if shortest >= 3 and (a in b or b in a):
        contain = 0.55 + 0.35 * shortest / longest
        if contain > sim:
            sim = contain
        short = q if la <= lb else c
        reasons.append(f"Nhãn hiệu đã nộp chứa trọn '{short.spaced}'" if short is q
                       else f"Nhãn hiệu cần kiểm tra chứa trọn '{short.spaced}'")
    common = [t for t in dict.fromkeys(q.folded) if t in set(c.folded)]
    if common:
        union = len(set(q.folded) | set(c.folded))
        jacc = len(common) / union
        sim = max(sim, 0.9 * jacc)
        if not reasons or jacc >= 0.5:
            reasons.append("Có chung từ: " + ", ".join(f"'{t}'" for t in common[:4]))
    if dice >= 0.5 and not near:
        reasons.append(f"Giống nhau về chuỗi ký tự ({dice:.0%} bộ ba ký tự chung)")
    if not reasons:
        reasons.append(f"Gần giống về chữ: '{q.spaced}' / '{c.spaced}'")
    return min(sim, 0.95), near, reasons


def _class_relation(query: set[int], classes: list[int]) -> tuple[str, list[str]]:
    if not query:
        return "unknown", []
    same = sorted(query & set(classes))
    if same:
        return "same", ["Cùng nhóm Nice " + ", ".join(map(str, same))]
    rel = _related()
    pairs = []
    for a in sorted(query):
        for b in classes:
            label = rel.get(a, {}).get(b)
            if label:
                pairs.append((a, b, label))
    if pairs:
        a, b, label = pairs[0]
        return "related", [f"Nhóm Nice liên quan: {a} ~ {b} ({label})"]
    shown = ", ".join(map(str, classes)) or "không rõ"
    return "none", [f"Khác nhóm Nice (nhãn hiệu này thuộc nhóm {shown}) — rủi ro thấp hơn"]


_CLASS_RANK = {"same": 3, "unknown": 2, "related": 1, "none": 0}


def _risk(sim: float, near: bool, relation: str, live: bool) -> str:
    class_ok = relation != "none"
    if near and class_ok:
        level = 2
    elif near:
        level = 1
    elif class_ok and (sim >= 0.7 or (sim >= 0.6 and relation == "same")):
        level = 1
    else:
        level = 0
    if not live:
        level = max(0, level - 1)
    return _RISKS[level]


# --------------------------------------------------------------------------------------------------
# Public result type


@dataclass(frozen=True, slots=True)
class Conflict:
    record_id: str
    mark: str
    nice_classes: list[int]
    owner: str | None
    status: str
    similarity: float
    risk: str
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "record_id": self.record_id, "mark": self.mark, "nice_classes": list(self.nice_classes),
            "owner": self.owner, "status": self.status, "similarity": self.similarity,
            "risk": self.risk, "reasons": list(self.reasons),
        }


# --------------------------------------------------------------------------------------------------
# Index


def _class_mask(classes) -> int:
    m = 0
    for c in classes or ():
        try:
            c = int(c)
        except (TypeError, ValueError):
            continue
        if 1 <= c <= 63:
            m |= 1 << c
    return m


def _mask_classes(m: int) -> list[int]:
    return [c for c in range(1, 64) if m >> c & 1]


def _csr(keys: np.ndarray, rows: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    post = rows[order].astype(np.int32)
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=size), out=indptr[1:])
    return indptr, post


def _blob(chunks: bytearray, offsets: array) -> tuple[np.ndarray, np.ndarray]:
    # zero-copy views: the numpy arrays keep the bytearray / array alive
    return np.frombuffer(chunks, dtype=np.uint8), np.frombuffer(offsets, dtype=np.int64)


class MarkIndex:
    """Searchable set of trademark records. Build once, save, load fast, check many times."""

    _ARRAYS = ("rec_blob", "rec_off", "mark_blob", "mark_off", "class_mask", "status_code",
               "tri_indptr", "tri_post", "tri_n", "tok_vocab", "tok_indptr", "tok_post", "tok_n",
               "key_hash", "key_row", "id_hash", "id_row")

    def __init__(self, arrays: dict[str, np.ndarray], statuses: list[str]):
        for name in self._ARRAYS:
            setattr(self, name, arrays[name])
        self.statuses = list(statuses)
        self._n = int(len(self.rec_off) - 1)
        self._mark_bytes = bytes(self.mark_blob) if self._n else b""

    # ---- build / persist -------------------------------------------------------------------------

    @classmethod
    def build(cls, records: Iterable[dict]) -> "MarkIndex":
        rec_chunks, rec_off = bytearray(), array("q", [0])
        mark_chunks, mark_off = bytearray(), array("q", [0])
        masks, status_codes = array("Q"), array("B")
        tri_keys, tri_rows, tri_n = array("i"), array("i"), array("H")
        tok_keys, tok_rows, tok_n = array("Q"), array("i"), array("B")
        key_hashes, key_rows = array("Q"), array("i")
        id_hashes = array("Q")
        statuses: dict[str, int] = {s: i for i, s in enumerate(
            ["registered", "pending", "refused", "withdrawn", "expired", "terminated", "invalidated"])}
        tok_hash_cache: dict[str, int] = {}
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

        row = 0
        for rec in records:
            rec = dict(rec)
            if rec.get("id") is None:
                rec["id"] = f"row-{row}"
            rec["id"] = str(rec["id"])
            mark = rec.get("mark") or ""
            rec_chunks += dumps(rec).encode("utf-8")
            rec_off.append(len(rec_chunks))
            mark_chunks += mark.encode("utf-8")
            mark_off.append(len(mark_chunks))
            masks.append(_class_mask(rec.get("nice_classes")))
            status = str(rec.get("status") or "unknown").lower()
            code = statuses.get(status)
            if code is None:
                code = statuses[status] = len(statuses)
                if code > 255:
                    raise ValueError("too many distinct statuses")
            status_codes.append(code)
            id_hashes.append(_hash(rec["id"]))

            f = _features(mark) if mark else None
            if f is None or not f.compact:
                tri_n.append(0)
                tok_n.append(0)
                row += 1
                continue
            grams = _trigram_codes(f.compact)
            tri_keys.extend(grams)
            tri_rows.extend([row] * len(grams))
            tri_n.append(min(len(grams), 65535))
            for t in f.phon_tokens:
                h = tok_hash_cache.get(t)
                if h is None:
                    h = tok_hash_cache[t] = _hash(t)
                tok_keys.append(h)
            tok_rows.extend([row] * len(f.phon_tokens))
            tok_n.append(min(len(f.phon_tokens), 255))
            for k in f.keys():
                key_hashes.append(_hash(k))
                key_rows.append(row)
            row += 1

        arrays: dict[str, np.ndarray] = {}
        arrays["rec_blob"], arrays["rec_off"] = _blob(rec_chunks, rec_off)
        arrays["mark_blob"], arrays["mark_off"] = _blob(mark_chunks, mark_off)
        arrays["class_mask"] = np.frombuffer(masks, dtype=np.uint64)
        arrays["status_code"] = np.frombuffer(status_codes, dtype=np.uint8)

        tk = np.frombuffer(tri_keys, dtype=np.int32)
        tr = np.frombuffer(tri_rows, dtype=np.int32)
        arrays["tri_indptr"], arrays["tri_post"] = _csr(tk, tr, _NGRAMS)
        del tk, tr, tri_keys, tri_rows
        arrays["tri_n"] = np.frombuffer(tri_n, dtype=np.uint16)

        th = np.frombuffer(tok_keys, dtype=np.uint64)
        vocab, inverse = np.unique(th, return_inverse=True)
        arrays["tok_vocab"] = vocab
        arrays["tok_indptr"], arrays["tok_post"] = _csr(inverse.astype(np.int64), np.frombuffer(tok_rows, dtype=np.int32),
                                                        len(vocab))
        arrays["tok_n"] = np.frombuffer(tok_n, dtype=np.uint8)

        kh = np.frombuffer(key_hashes, dtype=np.uint64)
        order = np.argsort(kh, kind="stable")
        arrays["key_hash"] = kh[order]
        arrays["key_row"] = np.frombuffer(key_rows, dtype=np.int32)[order]

        ih = np.frombuffer(id_hashes, dtype=np.uint64)
        order = np.argsort(ih, kind="stable")
        arrays["id_hash"] = ih[order]
        arrays["id_row"] = order.astype(np.int32)
        status_list = [None] * len(statuses)
        for s, i in statuses.items():
            status_list[i] = s
        return cls(arrays, status_list)

    def save(self, path: Path) -> None:
        """Write the index as one file at ``path``: a JSON header, then each array raw and 64-byte aligned
        (so ``load`` can memory-map it). Written to a temporary file and renamed."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {name: np.ascontiguousarray(getattr(self, name)) for name in self._ARRAYS}
        specs, offset = {}, 0
        for name, arr in arrays.items():
            specs[name] = {"dtype": arr.dtype.str, "shape": list(arr.shape), "offset": offset}
            offset += -(-arr.nbytes // 64) * 64
        header = json.dumps({"format": "assistant.marks", "version": FORMAT_VERSION, "n": self._n,
                             "statuses": self.statuses, "arrays": specs}).encode("utf-8")
        data_start = -(-(len(_MAGIC) + 8 + len(header)) // 64) * 64
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(_MAGIC + len(header).to_bytes(8, "little") + header)
            for name, arr in arrays.items():
                fh.seek(data_start + specs[name]["offset"])
                fh.write(memoryview(arr).cast("B") if arr.nbytes else b"")
            fh.truncate(data_start + offset)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, mmap: bool = True) -> "MarkIndex":
        """Open a saved index. Arrays are memory-mapped (read-only, paged in on use) unless ``mmap=False``."""
        path = Path(path)
        with open(path, "rb") as fh:
            if fh.read(len(_MAGIC)) != _MAGIC:
                raise ValueError(f"{path}: not a mark index (bad magic)")
            size = int.from_bytes(fh.read(8), "little")
            meta = json.loads(fh.read(size).decode("utf-8"))
        if meta.get("format") != "assistant.marks" or meta.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path}: not a mark index of format version {FORMAT_VERSION}")
        data_start = -(-(len(_MAGIC) + 8 + size) // 64) * 64
        arrays = {}
        for name in cls._ARRAYS:
            spec = meta["arrays"][name]
            dtype, shape = np.dtype(spec["dtype"]), tuple(spec["shape"])
            if int(np.prod(shape)) == 0:
                arrays[name] = np.zeros(shape, dtype=dtype)
            elif mmap:
                arrays[name] = np.memmap(path, dtype=dtype, mode="r", offset=data_start + spec["offset"], shape=shape)
            else:
                arrays[name] = np.fromfile(path, dtype=dtype, count=int(np.prod(shape)),
                                           offset=data_start + spec["offset"]).reshape(shape)
        return cls(arrays, meta["statuses"])

    # ---- access ------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    def _mark(self, row: int) -> str:
        off = self.mark_off
        return self._mark_bytes[int(off[row]):int(off[row + 1])].decode("utf-8")

    def _record(self, row: int) -> dict:
        a, b = int(self.rec_off[row]), int(self.rec_off[row + 1])
        return json.loads(bytes(self.rec_blob[a:b]).decode("utf-8"))

    def get(self, record_id: str) -> dict | None:
        if not self._n:
            return None
        h = np.uint64(_hash(str(record_id)))
        lo = int(np.searchsorted(self.id_hash, h, "left"))
        hi = int(np.searchsorted(self.id_hash, h, "right"))
        for i in range(lo, hi):
            rec = self._record(int(self.id_row[i]))
            if rec.get("id") == str(record_id):
                return rec
        return None

    # ---- candidate generation -------------------------------------------------------------------

    def _exact_rows(self, f: _Feat) -> list[int]:
        rows: list[int] = []
        for key in f.keys():
            h = np.uint64(_hash(key))
            lo = int(np.searchsorted(self.key_hash, h, "left"))
            hi = int(np.searchsorted(self.key_hash, h, "right"))
            rows.extend(self.key_row[lo:min(hi, lo + _EXACT_CAP)].tolist())
        return rows

    def _typo_rows(self, f: _Feat, cap: int = 160) -> list[int]:
        """Rows whose folded compact form is one edit (OSA) away from a short query's: trigrams miss
        these when the query has under ~10 letters ('hnog' / 'hong')."""
        s = f.compact
        if not 3 <= len(s) <= _TYPO_MAX_LEN:
            return []
        variants = {s[:i] + s[i + 1:] for i in range(len(s))}
        variants |= {s[:i] + s[i + 1] + s[i] + s[i + 2:] for i in range(len(s) - 1)}
        for i in range(len(s) + 1):
            for ch in _TYPO_ALPHABET:
                variants.add(s[:i] + ch + s[i:])
                if i < len(s) and ch != s[i]:
                    variants.add(s[:i] + ch + s[i + 1:])
        variants.discard(s)
        hashes = np.array([_hash("f:" + v) for v in variants], dtype=np.uint64)
        lo = np.searchsorted(self.key_hash, hashes, "left")
        hi = np.searchsorted(self.key_hash, hashes, "right")
        rows: list[int] = []
        for a, b in zip(lo[hi > lo].tolist(), hi[hi > lo].tolist()):
            rows.extend(self.key_row[a:min(b, a + 8)].tolist())
            if len(rows) >= cap:
                break
        return rows[:cap]

    def _candidates(self, f: _Feat, k: int, allowed: np.ndarray | None = None) -> list[int]:
        n = self._n
        if not n or not f.compact:
            return []
        rows = dict.fromkeys(self._exact_rows(f))
        rows.update(dict.fromkeys(self._typo_rows(f)))
        score = np.zeros(n, dtype=np.float32)
        touched = []

        codes = sorted(_trigram_codes(f.compact))
        ip = self.tri_indptr
        spans = [(int(ip[c]), int(ip[c + 1])) for c in codes]
        spans = [s for s in spans if s[1] > s[0]]
        if spans:
            rare = [s for s in spans if s[1] - s[0] <= _COMMON_GRAM * n]
            if len(rare) >= 3:
                spans = rare
            cat = np.concatenate([self.tri_post[a:b] for a, b in spans])
            counts = np.bincount(cat, minlength=n)
            idx = np.flatnonzero(counts)
            score[idx] = 2.0 * counts[idx] / (len(codes) + self.tri_n[idx].astype(np.float32))
            touched.append(idx)

        toks = [np.uint64(_hash(t)) for t in f.phon_tokens]
        parts = []
        for h in toks:
            i = int(np.searchsorted(self.tok_vocab, h))
            if i < len(self.tok_vocab) and self.tok_vocab[i] == h:
                a, b = int(self.tok_indptr[i]), int(self.tok_indptr[i + 1])
                parts.append(self.tok_post[a:b])
        if parts:
            cat = np.concatenate(parts)
            counts = np.bincount(cat, minlength=n)
            idx = np.flatnonzero(counts)
            denom = np.maximum(self.tok_n[idx], len(toks)).astype(np.float32)
            score[idx] += 0.6 * counts[idx] / denom
            touched.append(idx)

        if touched:
            idx = np.flatnonzero(score) if len(touched) > 1 else touched[0]
            if allowed is not None:
                idx = idx[allowed[idx]]
            if len(idx) > k:
                s = score[idx]
                top = np.argpartition(-s, k)[:k]
                idx = idx[top]
                idx = idx[np.argsort(-score[idx], kind="stable")]
            else:
                idx = idx[np.argsort(-score[idx], kind="stable")]
            for r in idx.tolist():
                rows.setdefault(r, None)
        if allowed is not None:
            return [r for r in rows if allowed[r]]
        return list(rows)

    # ---- queries --------------------------------------------------------------------------------

    def check(self, mark: str, nice_classes: list[int] | None = None, limit: int = 10) -> list[Conflict]:
        """Marks that may conflict with ``mark``, ranked by risk (high > medium > low) then similarity."""
        q = _features(mark or "")
        if not q.compact or not self._n:
            return []
        wanted = {int(c) for c in (nice_classes or [])}
        prefix = []
        if q.removed:
            prefix.append("Đã bỏ qua phần chung/loại hình doanh nghiệp: " + ", ".join(f"'{w}'" for w in q.removed))
        scored = []
        memo: dict[str, tuple[float, bool, list[str]]] = {}
        for row in self._candidates(q, CANDIDATES):
            cand = self._mark(row)
            hit = memo.get(cand)
            if hit is None:
                hit = memo[cand] = _compare(q, _features(cand))
            sim, near, reasons = hit
            if sim < CHECK_FLOOR:
                continue
            classes = _mask_classes(int(self.class_mask[row]))
            relation, class_reasons = _class_relation(wanted, classes)
            status = self.statuses[int(self.status_code[row])]
            live = status not in DEAD_STATUSES
            risk = _risk(sim, near, relation, live)
            key = (_RISK_RANK[risk], round(sim, 3), _CLASS_RANK[relation], live, -row)
            scored.append((key, row, sim, risk, reasons + class_reasons, status, live))
        scored.sort(key=lambda t: t[0], reverse=True)
        out = []
        for _, row, sim, risk, reasons, status, live in scored[:max(0, limit)]:
            rec = self._record(row)
            if live:
                reasons.append(f"Trạng thái: {_STATUS_VI.get(status, status)} — cần tính đến")
            else:
                reasons.append(f"Nhãn hiệu đã hết hiệu lực/bị từ chối — rủi ro thấp hơn ({_STATUS_VI.get(status, status)})")
            classes = rec.get("nice_classes") or []
            out.append(Conflict(
                record_id=str(rec.get("id")), mark=rec.get("mark") or "",
                nice_classes=[int(c) for c in classes], owner=rec.get("owner"),
                status=str(rec.get("status") or status), similarity=round(float(sim), 3), risk=risk,
                reasons=prefix + reasons,
            ))
        return out

    def _allowed(self, classes: list[int] | None, status: str | None) -> np.ndarray | None:
        allowed = None
        if classes:
            m = np.uint64(_class_mask(classes))
            allowed = (self.class_mask & m) != 0
        if status:
            s = status.lower()
            if s == "live":
                codes = [i for i, x in enumerate(self.statuses) if x not in DEAD_STATUSES]
            elif s == "dead":
                codes = [i for i, x in enumerate(self.statuses) if x in DEAD_STATUSES]
            else:
                codes = [i for i, x in enumerate(self.statuses) if x == s]
            ok = np.isin(self.status_code, np.array(codes, dtype=np.uint8))
            allowed = ok if allowed is None else allowed & ok
        return allowed

    def search(self, q: str = "", classes: list[int] | None = None, status: str | None = None,
               limit: int = 20) -> list[dict]:
        """Records whose mark resembles ``q`` (all records if ``q`` is empty), filtered by Nice classes
        (any overlap) and status (exact, or 'live'/'dead'). With a query each record carries 'similarity'."""
        if not self._n or limit <= 0:
            return []
        allowed = self._allowed(classes, status)
        f = _features(q or "")
        if not f.compact:
            rows = range(min(limit, self._n)) if allowed is None else np.flatnonzero(allowed)[:limit].tolist()
            return [self._record(int(r)) for r in rows]
        hits = []
        for row in self._candidates(f, max(CANDIDATES, limit * 5), allowed):
            sim, _, _ = _compare(f, _features(self._mark(row)))
            if sim >= SEARCH_FLOOR:
                hits.append((-sim, row))
        hits.sort()
        out = []
        for neg, row in hits[:limit]:
            rec = self._record(row)
            rec["similarity"] = round(-neg, 3)
            out.append(rec)
        return out


# --------------------------------------------------------------------------------------------------
# Marks named in a chat question


_QUOTED = [re.compile(p) for p in (
    r'"([^"\n]{1,80})"',
    r"“([^”\n]{1,80})”",
    r"«([^»\n]{1,80})»",
    r"‘([^’\n]{1,80})’",
    r"„([^“”\n]{1,80})[“”]",
    r"(?<!\w)'([^'\n]{1,80})'(?!\w)",
)]
_KEYWORD = re.compile(
    r"(?<!\w)(?:nhãn\s+hiệu|nhan\s+hieu|thương\s+hiệu|thuong\s+hieu|tên\s+thương\s+mại|tên|ten"
    r"|brand(?:\s+name)?|trademark|mark)(?!\w)\s*[:\-–]?\s*",
    re.IGNORECASE,
)
_WORD_RUN = re.compile(r"[^\s,;:!?()\[\]{}\"“”«»‘’]+[,;:!?)\]]*")


def _capitalised(word: str) -> bool:
    return bool(word) and (word[0].isupper() or (word[0].isdigit() and any(c.isupper() for c in word)))


def quoted_marks(question: str) -> list[str]:
    """Only the quoted names: for a question written in capitals, where every word looks like a name."""
    text = unicodedata.normalize("NFC", question or "")
    found = sorted((m.start(1), m.group(1).strip()) for pat in _QUOTED for m in pat.finditer(text))
    out: list[str] = []
    for _, s in found:
        s = s.strip(" .,;:!?")
        if normalize_mark(s) and s not in out:
            out.append(s)
    return out


def _function_word(word: str) -> bool:
    """'Được', 'Có', 'Là' after 'nhãn hiệu' start the sentence's verb, not a name."""
    from .text import fold, stopwords

    return fold(word) in (stopwords("vi") | stopwords("en"))


def find_quoted_marks(question: str) -> list[str]:
    """Marks named in a question: quoted text, or capitalised words right after 'nhãn hiệu',
    'thương hiệu', 'tên', 'brand', 'trademark'. Order of appearance, duplicates removed."""
    text = unicodedata.normalize("NFC", question or "")
    found: list[tuple[int, str]] = []
    for pat in _QUOTED:
        for m in pat.finditer(text):
            found.append((m.start(1), m.group(1).strip()))
    for m in _KEYWORD.finditer(text):
        words: list[str] = []
        pos = m.end()
        while len(words) < 6:
            w = _WORD_RUN.match(text, pos)
            if not w:
                break
            token = w.group(0)
            core = token.rstrip(",;:!?)]").rstrip(".")
            if not _capitalised(core) or _function_word(core):
                break
            words.append(core)
            if core != token.rstrip(".") or (token.endswith(".") and len(core) > 1 and not core.isupper()):
                break
            pos = w.end()
            ws = re.match(r"[ \t]+", text[pos:])
            if not ws:
                break
            pos += ws.end()
        if words:
            found.append((m.end(), " ".join(words)))
    found.sort(key=lambda t: t[0])
    out: list[str] = []
    seen: set[str] = set()
    for _, s in found:
        s = s.strip(" .,;:!?")
        key = normalize_mark(s)
        if key and key not in seen:
            seen.add(key)
            out.append(s)
    return out
