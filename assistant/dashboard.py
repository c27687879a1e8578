"""IP-asset dashboard: pure functions over the record dicts in the catalog (``Catalog.records()``).

A province's dashboard counts its records by kind and status, its filings per year, its top Nice classes and
owners, lists its geographical indications and the registrations due for renewal. Records name the owner's
province in the 63-province list used before the 2025 merger (``owner_province``); a filter may name either one of
those 63 or one of the 34 provinces after the merger (``scheme="34"``), which stands for all the old provinces
merged into it. Nothing here does I/O except reading the two small data files once.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import BadInput, NotFound
from .text import fold

DATA = Path(__file__).resolve().parent / "data"
KINDS = ("trademark", "patent", "utility_solution", "design", "gi")
SCHEMES = ("63", "34")
TOP_N = 10


# --------------------------------------------------------------------------- provinces
@dataclass(frozen=True)
class Province:
    name: str
    scheme: str  # "63": a province before the 2025 merger; "34": one after it
    members: tuple[str, ...]  # the pre-merger provinces it covers (itself, for scheme 63)
    merged_into: str | None  # scheme 63: the post-merger province it belongs to

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "scheme": self.scheme, "members": list(self.members),
                "merged_into": self.merged_into}


@lru_cache(maxsize=4096)  # a few hundred distinct province spellings, looked up once per record
def _key(name: str) -> str:
    text = fold(re.sub(r"^(tp\.?|thành phố|tỉnh)\s+", "", name.strip(), flags=re.I))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


@lru_cache(maxsize=1)
def provinces() -> dict[str, Any]:
    """The 63 ↔ 34 mapping from data/provinces.json, with lookup tables by folded name and alias."""
    raw = json.loads((DATA / "provinces.json").read_text(encoding="utf-8"))
    new = {p["name"]: tuple(p["merged_from"]) for p in raw["provinces_2025"]}
    old_to_new = {o: n for n, members in new.items() for o in members}
    lookup63 = {_key(o): o for o in old_to_new}
    lookup34 = {_key(n): n for n in new}
    for canonical, aliases in raw.get("aliases", {}).items():
        for alias in aliases:
            if canonical in old_to_new:
                lookup63.setdefault(_key(alias), canonical)
            if canonical in new:
                lookup34.setdefault(_key(alias), canonical)
    return {"new": new, "old_to_new": old_to_new, "lookup63": lookup63, "lookup34": lookup34,
            "old": sorted(old_to_new, key=_key), "new_sorted": sorted(new, key=_key)}


def resolve_province(name: str | None, scheme: str | None = None) -> Province | None:
    """A province filter → the pre-merger provinces it covers. Unknown names raise BadInput.

    Without a scheme a name is first read as one of the 63 (the records' own list) and otherwise as one of the 34;
    ``scheme="34"`` reads names such as "Cần Thơ" or "Tây Ninh", which exist in both lists, as the merged province.
    """
    if scheme not in (None, "", *SCHEMES):
        raise BadInput(f"unknown province scheme {scheme!r}; use 63 (before the 2025 merger) or 34 (after it)")
    if name is None or not name.strip() or _key(name) in ("all", "tat ca"):
        return None
    p = provinces()
    key = _key(name)
    if scheme != "34" and key in p["lookup63"]:
        old = p["lookup63"][key]
        return Province(old, "63", (old,), p["old_to_new"][old])
    if scheme != "63" and key in p["lookup34"]:
        new = p["lookup34"][key]
        return Province(new, "34", p["new"][new], None)
    raise BadInput(f"unknown province {name!r}; use one of the 63 provinces (before the 2025 merger) "
                   "or of the 34 after it (with scheme=34), e.g. 'Sóc Trăng' or 'Cần Thơ'")


def province_after_merger(old_name: str | None) -> str | None:
    return provinces()["old_to_new"].get(old_name or "")


def record_province(rec: dict[str, Any]) -> str | None:
    """The owner's province for register records; the area's province for a GI."""
    raw = rec.get("owner_province") or rec.get("province")
    if not raw:
        return None
    return provinces()["lookup63"].get(_key(str(raw)), str(raw))


# --------------------------------------------------------------------------- periods
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_day(value: str | None, field: str, end: bool = False) -> date | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a year or month as an end bound means its last day."""
    if value is None or not str(value).strip():
        return None
    m = _DATE.match(str(value).strip())
    try:
        if not m:
            raise ValueError
        y, mo, d = int(m.group(1)), int(m.group(2) or (12 if end else 1)), m.group(3)
        day = int(d) if d else (calendar.monthrange(y, mo)[1] if end else 1)
        return date(y, mo, day)
    except ValueError:
        raise BadInput(f"{field} must be a date YYYY-MM-DD (or YYYY-MM, YYYY), not {value!r}") from None


def parse_period(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    a, b = parse_day(start, "from"), parse_day(end, "to", end=True)
    if a and b and a > b:
        raise BadInput(f"from ({a.isoformat()}) is after to ({b.isoformat()})")
    return a, b


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


# --------------------------------------------------------------------------- record helpers
def check_kind(kind: str | None) -> str | None:
    if kind in (None, ""):
        return None
    if kind not in KINDS:
        raise BadInput(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    return kind


def record_label(rec: dict[str, Any]) -> str:
    if rec.get("ip_type") == "gi":
        return f"{rec.get('product') or ''} {rec.get('name') or ''}".strip()
    return str(rec.get("mark") or rec.get("title") or rec.get("name") or rec.get("id"))


def record_owner(rec: dict[str, Any]) -> str | None:
    return rec.get("owner") or rec.get("applicant") or rec.get("holder")


def grant_date(rec: dict[str, Any]) -> str | None:
    return rec.get("registration_date") or rec.get("grant_date")


@lru_cache(maxsize=65536)
def owner_key(name: str | None) -> str:
    return " ".join(fold(name or "").split())


def _in_period(rec: dict[str, Any], start: date | None, end: date | None) -> bool:
    if not start and not end:
        return True
    if rec.get("ip_type") == "gi":
        # The GI register carries a year only where it could be checked; a GI without one is left out of a period.
        year = rec.get("registration_year")
        if not isinstance(year, int):
            return False
        return (not start or year >= start.year) and (not end or year <= end.year)
    filed = _date(rec.get("filing_date"))
    return bool(filed) and (not start or filed >= start) and (not end or filed <= end)


def select(records: Iterable[dict[str, Any]], province: Province | None = None, kind: str | None = None,
           start: date | None = None, end: date | None = None) -> list[dict[str, Any]]:
    members = set(province.members) if province else None
    return [r for r in records
            if (members is None or record_province(r) in members)
            and (kind is None or r.get("ip_type") == kind)
            and _in_period(r, start, end)]


# --------------------------------------------------------------------------- renewals
@lru_cache(maxsize=1)
def renewal_rules() -> dict[str, Any]:
    return json.loads((DATA / "renewal_rules.json").read_text(encoding="utf-8"))


def renewals_due(records: Iterable[dict[str, Any]], as_of: date) -> list[dict[str, Any]]:
    """Registrations that can be renewed and whose expiry is in the next 6 months, or passed less than 6 months ago
    (the late-filing grace period), soonest first."""
    rules = renewal_rules()
    soon = add_months(as_of, rules["months_before_expiry"])
    out = []
    for r in records:
        rule = rules["renewable"].get(r.get("ip_type"))
        expiry, filed = _date(r.get("expiry_date")), _date(r.get("filing_date"))
        if not rule or not expiry or r.get("status") not in rules["statuses"]:
            continue
        late_until = add_months(expiry, rules["grace_months_after_expiry"])
        if not (as_of <= expiry <= soon or expiry < as_of <= late_until):
            continue
        if rule["max_renewals"] is not None and filed:
            # A design renewed twice (15 years from filing) cannot be renewed again.
            if expiry >= date(filed.year + rule["term_years"] * (rule["max_renewals"] + 1), filed.month, 1):
                continue
        out.append({"record_id": r["id"], "mark": record_label(r), "owner": record_owner(r),
                    "expiry": expiry.isoformat(), "ip_type": r.get("ip_type"),
                    "phase": "before_expiry" if expiry >= as_of else "grace_period",
                    "late_until": late_until.isoformat(), "owner_province": record_province(r)})
    return sorted(out, key=lambda x: (x["expiry"], x["record_id"]))


# --------------------------------------------------------------------------- the dashboard
def dashboard(records: Sequence[dict[str, Any]], province: Province | None = None, kind: str | None = None,
              start: date | None = None, end: date | None = None, as_of: date | None = None,
              top: int = TOP_N) -> dict[str, Any]:
    """The dashboard payload of ``GET /api/dashboard`` (shape documented in corpus/records/README.md)."""
    as_of = as_of or date.today()
    chosen = select(records, province, kind, start, end)
    by_kind = Counter(r.get("ip_type") for r in chosen)
    by_status = Counter(r.get("status") or "unknown" for r in chosen)
    years = Counter(int(r["filing_date"][:4]) for r in chosen if r.get("ip_type") != "gi" and r.get("filing_date"))
    classes = Counter(c for r in chosen if r.get("ip_type") == "trademark" for c in r.get("nice_classes") or [])
    owners: dict[str, dict[str, Any]] = {}
    for r in chosen:
        name = record_owner(r)
        if not name or r.get("ip_type") == "gi":
            continue
        o = owners.setdefault(owner_key(name), {"owner": name, "n": 0, "by_kind": {}})
        o["n"] += 1
        o["by_kind"][r.get("ip_type")] = o["by_kind"].get(r.get("ip_type"), 0) + 1
    top_owners = sorted(owners.values(), key=lambda o: (-o["n"], owner_key(o["owner"])))[:top]
    gis = [{"record_id": r["id"], "name": r.get("name"), "product": r.get("product"),
            "province": record_province(r), "registration_number": r.get("registration_number"),
            "registration_year": r.get("registration_year")}
           for r in sorted(chosen, key=lambda r: str(r.get("id"))) if r.get("ip_type") == "gi"]
    # Renewals are about today, not the filing period: filter by province and kind only.
    due = renewals_due(select(records, province, kind), as_of)
    return {
        "province": province.to_dict() if province else None,
        "period": {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
                   "as_of": as_of.isoformat()},
        "by_kind": {k: by_kind.get(k, 0) for k in KINDS},
        "by_status": dict(sorted(by_status.items(), key=lambda kv: (-kv[1], kv[0]))),
        "filings_per_year": [{"year": y, "n": years[y]} for y in range(min(years), max(years) + 1)] if years else [],
        "top_classes": [{"class": c, "n": n} for c, n in sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))[:top]],
        "top_owners": [{"owner": o["owner"], "n": o["n"], "by_kind": dict(o["by_kind"])} for o in top_owners],
        "gis": gis,
        "renewals_due": due,
    }


def enterprise(records: Iterable[dict[str, Any]], owner: str, as_of: date | None = None) -> dict[str, Any]:
    """All the records of one owner, across kinds (the seed's "TSTT của doanh nghiệp"). Names match after
    accent folding and case; an unknown owner raises NotFound."""
    key = owner_key(owner)
    if not key:
        raise BadInput("owner must be a non-empty name")
    mine = [r for r in records if r.get("ip_type") != "gi" and owner_key(record_owner(r)) == key]
    if not mine:
        raise NotFound(f"no records of owner {owner!r}")
    rows = [{"record_id": r["id"], "ip_type": r.get("ip_type"), "mark": record_label(r), "status": r.get("status"),
             "filing_date": r.get("filing_date"), "grant_date": grant_date(r), "expiry_date": r.get("expiry_date"),
             "nice_classes": r.get("nice_classes") or [], "owner_province": record_province(r),
             "sample": bool(r.get("sample"))}
            for r in sorted(mine, key=lambda r: (r.get("filing_date") or "", str(r.get("id"))))]
    names = Counter(record_owner(r) for r in mine)
    return {"owner": names.most_common(1)[0][0], "addresses": sorted({r["owner_address"] for r in mine
                                                                       if r.get("owner_address")}),
            "by_kind": dict(Counter(r["ip_type"] for r in rows)), "records": rows,
            "renewals_due": renewals_due(mine, as_of or date.today())}


def find_owners(records: Iterable[dict[str, Any]], q: str, limit: int = 20) -> list[str]:
    key = owner_key(q)
    names = {owner_key(record_owner(r)): record_owner(r) for r in records
             if r.get("ip_type") != "gi" and record_owner(r)}
    return sorted((n for k, n in names.items() if key and key in k), key=owner_key)[:limit]


# --------------------------------------------------------------------------- CSV
SECTIONS = ("by_kind", "by_status", "filings_per_year", "top_classes", "top_owners", "gis", "renewals_due")
COLUMNS = {
    "by_kind": ("kind", "n"), "by_status": ("status", "n"), "filings_per_year": ("year", "n"),
    "top_classes": ("class", "n"), "top_owners": ("owner", "n"),
    "gis": ("record_id", "name", "product", "province", "registration_number", "registration_year"),
    "renewals_due": ("record_id", "mark", "owner", "expiry", "ip_type", "phase", "late_until", "owner_province"),
    "records": ("record_id", "ip_type", "mark", "status", "filing_date", "grant_date", "expiry_date",
                "nice_classes", "owner_province", "sample"),
}


def section_rows(payload: dict[str, Any], section: str) -> list[dict[str, Any]]:
    if section not in SECTIONS:
        raise BadInput(f"unknown section {section!r}; use one of {', '.join(SECTIONS)}")
    value = payload[section]
    if isinstance(value, dict):
        a, b = COLUMNS[section]
        return [{a: k, b: v} for k, v in value.items()]
    return value


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV with a header row; lists joined by spaces. A leading BOM lets spreadsheet programs read Vietnamese."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([" ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v)
                    for v in (row.get(c) for c in columns)])
    return "\ufeff" + buf.getvalue()
