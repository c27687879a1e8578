"""Official IP fee estimates that show their working, from the fee table in data/fees_tt263_2016.json.

Pure functions: :func:`estimate` turns counts into itemised lines (item, basis, quantity, amount) and a total;
:func:`counts_from_question` reads the counts out of a question so chat and the advice letter can call
:func:`estimate`. Attorney fees are never included and every estimate says so.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from .errors import BadInput

DATA = Path(__file__).resolve().parent / "data" / "fees_tt263_2016.json"
KINDS = ("trademark", "patent", "utility_solution", "design")
STAGES = ("filing", "grant", "renewal", "late_renewal")
MAX_CLASSES = 45  # the Nice classification has 45 classes
MAX_PER_CLASS = 1000
MAX_CLAIMS = 500
MAX_PAGES = 10_000
MAX_DESIGNS = 100
FREE_PER_CLASS = 6  # goods/services included in a class's base fee
FREE_PAGES = 6  # description pages included in the per-claim base fee
MAX_LATE_MONTHS = 6


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def item(item_id: str) -> dict[str, Any]:
    for it in table()["items"]:
        if it["id"] == item_id:
            return it
    raise KeyError(item_id)


@dataclass(slots=True)
class Line:
    item: str
    basis: str
    quantity: int
    amount: int
    item_id: str = ""
    unit_amount: int = 0
    item_no: str | None = None
    verified: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Estimate:
    kind: str
    stage: str
    lines: list[Line]
    total: int
    currency: str
    notes: list[str]
    source: dict[str, Any] = field(default_factory=dict)
    as_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "stage": self.stage, "lines": [ln.to_dict() for ln in self.lines],
                "total": self.total, "currency": self.currency, "notes": list(self.notes), "source": self.source,
                "as_of": self.as_of}


def vnd(amount: int) -> str:
    """150000 → '150.000 đồng' (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def _line(item_id: str, quantity: int, basis: str) -> Line:
    it = item(item_id)
    unit = int(it["amount"])
    name = it["name"] + ("" if it.get("verified", True) else " (*)")
    return Line(item=name, basis=basis, quantity=quantity, amount=unit * quantity, item_id=item_id, unit_amount=unit,
                item_no=it.get("item_no"), verified=bool(it.get("verified", True)))


def _count(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{name} must be an integer")
    if not low <= value <= high:
        raise BadInput(f"{name} must be between {low} and {high}")
    return value


def _classes(products_per_class: Sequence[int] | None) -> list[int]:
    if products_per_class is None:
        raise BadInput("products_per_class is required for a trademark: one number of goods/services per class, "
                       "e.g. [8, 8, 8]")
    if isinstance(products_per_class, (str, bytes)) or not isinstance(products_per_class, Sequence):
        raise BadInput("products_per_class must be a list of integers")
    if not 1 <= len(products_per_class) <= MAX_CLASSES:
        raise BadInput(f"products_per_class must list between 1 and {MAX_CLASSES} classes")
    return [_count(n, "products_per_class[]", 1, MAX_PER_CLASS) for n in products_per_class]


def _as_of(as_of: date | str | None) -> date:
    if as_of is None:
        return date.today()
    if isinstance(as_of, str):
        try:
            return date.fromisoformat(as_of)
        except ValueError:
            raise BadInput("as_of must be a date YYYY-MM-DD") from None
    return as_of


def estimate(kind: str, stage: str, *, products_per_class: Sequence[int] | None = None, claims: int | None = None,
             pages: int | None = None, designs: int | None = None, as_of: date | str | None = None,
             months_late: int | None = None) -> Estimate:
    """Itemised official fees for one application or title.

    kind: trademark | patent | utility_solution | design; stage: filing | grant | renewal | late_renewal.
    Trademarks count goods/services per class (``products_per_class=[8, 8, 8]``: 3 classes of 8); patents and
    utility solutions count independent ``claims`` and description ``pages``; designs count ``designs``
    (variants). ``late_renewal`` adds the surcharge for ``months_late`` (1–6, default 1). Raises BadInput for
    counts out of range, unknown kinds or stages, and combinations the table does not cover.
    """
    if kind not in KINDS:
        raise BadInput(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if stage not in STAGES:
        raise BadInput(f"unknown stage {stage!r}; use one of {', '.join(STAGES)}")
    day = _as_of(as_of)
    t = table()
    if day < date.fromisoformat(t["in_force_from"]):
        raise BadInput(f"the fee table applies from {t['in_force_from']}; no schedule for {day.isoformat()}")
    if stage == "late_renewal":
        months_late = _count(1 if months_late is None else months_late, "months_late", 1, MAX_LATE_MONTHS)
    elif months_late is not None:
        raise BadInput("months_late applies only to stage late_renewal")

    notes: list[str] = []
    if kind == "trademark":
        if claims is not None or pages is not None or designs is not None:
            raise BadInput("a trademark counts products_per_class only (not claims, pages or designs)")
        lines = _trademark(stage, _classes(products_per_class), notes)
    elif kind == "design":
        if products_per_class is not None or claims is not None or pages is not None:
            raise BadInput("a design counts designs only (not products_per_class, claims or pages)")
        lines = _design(stage, _count(1 if designs is None else designs, "designs", 1, MAX_DESIGNS), notes)
    else:
        if products_per_class is not None or designs is not None:
            raise BadInput("a patent or utility solution counts claims and pages only")
        if stage in ("renewal", "late_renewal"):
            raise BadInput("annual maintenance fees for patents and utility solutions are not in the fee table; "
                           "see the current schedule at https://ipvietnam.gov.vn")
        n_claims = _count(1 if claims is None else claims, "claims", 1, MAX_CLAIMS)
        n_pages = _count(FREE_PAGES if pages is None else pages, "pages", 1, MAX_PAGES)
        lines = _patent(stage, n_claims, n_pages, notes)
    if stage == "late_renewal":
        base = sum(ln.amount for ln in lines if ln.item_id == "renewal_charge")
        sur = item("late_renewal_surcharge")
        amount = round(base * float(sur["rate"]) * months_late)
        lines.append(Line(item=sur["name"], basis=f"10% × {vnd(base)} × {months_late} tháng", quantity=months_late,
                          amount=amount, item_id=sur["id"], unit_amount=round(base * float(sur["rate"])),
                          item_no=sur.get("item_no"), verified=bool(sur.get("verified", True))))

    n = t["notes"]
    notes.append(n["attorney"])
    if any(not ln.verified for ln in lines):
        notes.append(n["unverified"])
    for red in t.get("temporary_reductions", []):
        if date.fromisoformat(red["from"]) <= day <= date.fromisoformat(red["to"]):
            notes.append(n["reduction"].format(**red))
    if day >= date(2026, 4, 1):
        notes.append(n["law_131"])
    notes.append(n["check_current"])
    return Estimate(kind=kind, stage=stage, lines=lines, total=sum(ln.amount for ln in lines), currency=t["currency"],
                    notes=notes, as_of=day.isoformat(),
                    source={"circular": t["circular"], "title": t["circular_title"],
                            "source_id": t["corpus_source_id"], "locator": t["corpus_locator"]})


def _trademark(stage: str, classes: list[int], notes: list[str]) -> list[Line]:
    k = len(classes)
    extra = sum(max(0, c - FREE_PER_CLASS) for c in classes)
    per_class = ", ".join(str(c) for c in classes)
    n = table()["notes"]
    if stage == "filing":
        lines = [_line("filing", 1, "mỗi đơn"),
                 _line("publication_application", 1, "mỗi đơn"),
                 _line("tm_search", k, f"{k} nhóm (có đến 6 sản phẩm, dịch vụ mỗi nhóm)"),
                 _line("tm_examination", k, f"{k} nhóm (có đến 6 sản phẩm, dịch vụ mỗi nhóm)")]
        if extra:
            basis = f"sản phẩm, dịch vụ từ thứ 7 trong nhóm: {extra} (số sản phẩm mỗi nhóm: {per_class})"
            lines.insert(3, _line("tm_search_extra", extra, basis))
            lines.append(_line("tm_examination_extra", extra, basis))
        notes += [n["optional_priority"], n["optional_tm_classification"]]
        return lines
    if stage == "grant":
        lines = [_line("tm_grant", 1, "nhóm đầu tiên")]
        if k > 1:
            lines.append(_line("tm_grant_extra_class", k - 1, f"từ nhóm thứ 2: {k - 1} nhóm"))
        return lines + [_line("register", 1, "mỗi văn bằng"), _line("publication_grant", 1, "mỗi văn bằng")]
    return [_line("renewal_charge", k, f"{k} nhóm"), _line("tm_title_use", k, f"{k} nhóm"),
            _line("renewal_examination", 1, "mỗi văn bằng"), _line("renewal_publication", 1, "mỗi văn bằng"),
            _line("renewal_register", 1, "mỗi văn bằng")]


def _design(stage: str, designs: int, notes: list[str]) -> list[Line]:
    n = table()["notes"]
    if stage == "filing":
        notes += [n["figures"], n["optional_priority"], n["optional_ds_classification"]]
        return [_line("filing", 1, "mỗi đơn"), _line("publication_application", 1, "mỗi đơn"),
                _line("ds_search", designs, f"{designs} phương án"),
                _line("ds_examination", designs, f"{designs} phương án")]
    if stage == "grant":
        notes.append(n["grant_extras"])
        return [_line("grant", 1, "mỗi văn bằng"), _line("register", 1, "mỗi văn bằng"),
                _line("publication_grant", 1, "mỗi văn bằng")]
    notes.append(n["ds_renewal_use"])
    return [_line("renewal_charge", designs, f"{designs} phương án"),
            _line("renewal_examination", 1, "mỗi văn bằng"), _line("renewal_publication", 1, "mỗi văn bằng"),
            _line("renewal_register", 1, "mỗi văn bằng")]


def _patent(stage: str, claims: int, pages: int, notes: list[str]) -> list[Line]:
    n = table()["notes"]
    if stage == "grant":
        notes.append(n["grant_extras"])
        return [_line("grant", 1, "mỗi văn bằng"), _line("register", 1, "mỗi văn bằng"),
                _line("publication_grant", 1, "mỗi văn bằng")]
    extra_pages = max(0, pages - FREE_PAGES)
    lines = [_line("filing", 1, "mỗi đơn"),
             _line("pt_formality", claims, f"{claims} điểm yêu cầu bảo hộ độc lập")]
    if extra_pages:
        lines.append(_line("pt_formality_extra_page", extra_pages, f"từ trang thứ 7: {extra_pages} trang"))
    lines += [_line("publication_application", 1, "mỗi đơn"),
              _line("pt_search", claims, f"{claims} điểm yêu cầu bảo hộ độc lập"),
              _line("pt_examination", claims, f"{claims} điểm yêu cầu bảo hộ độc lập")]
    if extra_pages:
        lines.append(_line("pt_examination_extra_page", extra_pages, f"từ trang thứ 7: {extra_pages} trang"))
    notes += [n["patent_exam_request"], n["figures"], n["optional_priority"]]
    return lines


# --------------------------------------------------------------------------- counts in a question
_NUM_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9,
              "muoi": 10, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
              "nine": 9, "ten": 10}
_N = r"(?<!\w)(\d{1,4}|" + "|".join(_NUM_WORDS) + r")"
_CLASS = r"(?:nhom|class(?:es)?)"
_PRODUCT = r"(?:san pham|hang hoa|dich vu|sp|products?|goods|items?|services?)"
_EACH = re.compile(_N + r"\s+" + _CLASS + r"\s*,?\s*(?:moi nhom|each|per class|with|of|gom|co)?\s*(?:co\s+|with\s+)?"
                   + _N + r"\s+" + _PRODUCT + r"(?:\s+each)?")
_CLASSES_ONLY = re.compile(_N + r"\s+" + _CLASS + r"(?!\w)")
_PRODUCTS_ONLY = re.compile(_N + r"\s+" + _PRODUCT + r"(?!\w)")
_CLAIMS = re.compile(_N + r"\s+(?:diem yeu cau bao ho(?: doc lap)?|diem doc lap|independent claims?|claims?)")
_PAGES = re.compile(_N + r"\s+(?:trang|pages?)(?!\w)")
_DESIGNS = re.compile(_N + r"\s+(?:phuong an|kieu dang|designs?|variants?)(?!\w)")
_PATENT = re.compile(r"(?<!\w)(sang che|patent|invention)(?!\w)")
_UTILITY = re.compile(r"(?<!\w)(giai phap huu ich|utility (?:solution|model))(?!\w)")
_DESIGN = re.compile(r"(?<!\w)(kieu dang(?: cong nghiep)?|industrial design|design)(?!\w)")
_FEE = re.compile(r"(?<!\w)(phi|le phi|chi phi|bao nhieu tien|ton bao nhieu|het bao nhieu|cost|fee|fees|how much)(?!\w)")
_RENEW = re.compile(r"(?<!\w)(gia han|renew(?:al)?)(?!\w)")
_LATE = re.compile(r"(?<!\w)(nop muon|tre han|qua han|late)(?!\w)")
_GRANT = re.compile(r"(?<!\w)(cap van bang|cap bang|cap giay chung nhan|khi duoc cap|grant(?:ed)?|registration certificate)(?!\w)")


def _num(tok: str) -> int:
    return int(tok) if tok.isdigit() else _NUM_WORDS[tok]


def counts_from_question(folded_text: str) -> dict[str, Any] | None:
    """The estimate kwargs named in an accent-folded, lower-cased question, or None if it names no counts.

    Recognises "3 nhom, moi nhom 8 san pham" / "3 classes with 8 products each" / "2 nhom 10 san pham" (→ kind
    trademark, stage filing, products_per_class [8, 8, 8] / [10, 10]); "1 nhom" alone (→ [6], at most six);
    patents and utility solutions by "N diem yeu cau bao ho" / "N claims" and "N trang" / "N pages"; designs by
    "N phuong an" / "N designs". "gia han" / "renewal" selects renewal (late with "nop muon" / "late"), "cap van
    bang" / "grant" the grant stage. Counts only: whether the question is about fees is the caller's call, but a
    question with counts and no fee word ("phi", "cost", "how much"...) returns None.
    Example: counts_from_question(fold("3 nhóm, mỗi nhóm 8 sản phẩm thì phí bao nhiêu?"))
    → {"kind": "trademark", "stage": "filing", "products_per_class": [8, 8, 8]}.
    """
    text = " ".join(folded_text.lower().split())
    if not _FEE.search(text):
        return None
    stage = "filing"
    if _RENEW.search(text):
        stage = "late_renewal" if _LATE.search(text) else "renewal"
    elif _GRANT.search(text):
        stage = "grant"
    m = _EACH.search(text)
    if m:
        k, per = _num(m.group(1)), _num(m.group(2))
        if 1 <= k <= MAX_CLASSES and per >= 1:
            return {"kind": "trademark", "stage": stage, "products_per_class": [per] * k}
    if _UTILITY.search(text) or _PATENT.search(text):
        claims, pages = _CLAIMS.search(text), _PAGES.search(text)
        if claims or pages:
            out: dict[str, Any] = {"kind": "utility_solution" if _UTILITY.search(text) else "patent", "stage": stage}
            if claims:
                out["claims"] = _num(claims.group(1))
            if pages:
                out["pages"] = _num(pages.group(1))
            return out
    d = _DESIGNS.search(text)
    if d and _DESIGN.search(text):
        return {"kind": "design", "stage": stage, "designs": _num(d.group(1))}
    c = _CLASSES_ONLY.search(text)
    if c:
        k = _num(c.group(1))
        p = _PRODUCTS_ONLY.search(text)
        per = _num(p.group(1)) if p else FREE_PER_CLASS
        if 1 <= k <= MAX_CLASSES:
            return {"kind": "trademark", "stage": stage, "products_per_class": [per] * k}
    return None


def summary_lines(est: Estimate) -> list[str]:
    """The estimate as plain Vietnamese lines: one per fee item with its working, then the total."""
    out = [f"{ln.item}: {vnd(ln.unit_amount)} × {ln.quantity} ({ln.basis}) = {vnd(ln.amount)}"
           if ln.item_id != "late_renewal_surcharge" else f"{ln.item}: {ln.basis} = {vnd(ln.amount)}"
           for ln in est.lines]
    out.append(f"Tổng cộng: {vnd(est.total)}")
    return out
