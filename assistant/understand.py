"""Understand a question once, at the edge, into a small frozen value that every later stage reads.

Which IP objects it is about, which facets it asks (term, fees, documents, …), the jurisdiction (Vietnam,
protection abroad through Vietnam, or another country's own law), a named mark, and the date the answer is for.
The vocabulary is data (data/understanding.json); this module is the small code that applies it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Sequence

from .glossary import expansions
from .text import _data, detect_language, fold, lexical_terms, nfc, words

LAW_FLOOR = "2006-07-01"  # the IP Law took effect on 01/07/2006; no answer exists for earlier dates


@dataclass(frozen=True, slots=True)
class Question:
    text: str                      # as asked (stripped, NFC)
    core: str                      # the part that asks: preamble and greetings removed
    folded: str                    # fold(core), for every matcher downstream
    language: str                  # "vi" | "en"
    objects: tuple[str, ...]       # IP objects, most specific first ("collective_mark" before "trademark")
    facets: tuple[str, ...]        # in priority order (data/understanding.json facet_priority)
    jurisdiction: str              # "vn" | "abroad" (through Madrid/Hague/PCT) | "foreign" (another country's law)
    marks: tuple[str, ...] = ()    # marks really named: quoted, or "nhãn hiệu X" with X a name
    as_of: str = ""                # ISO date the answer is for
    expansions: tuple[str, ...] = ()
    query: str = ""                # what retrieval searches: core + context from the conversation + expansions
    countries: tuple[str, ...] = ()
    domain: bool = False           # about IP at all: an IP object or term, directly or through an IP-specific synonym
    history_objects: tuple[str, ...] = ()
    guessed_facets: tuple[str, ...] = ()  # facets read from a generic word only ("bao lâu", "được không")
    folded_text: str = ""                 # fold(text): the preamble too ("Em dự hội nghị ở Quảng Ninh … Tài liệu …?")
    terms: frozenset[str] = frozenset()   # lexical terms of the core and of each expansion (no bigram spans two)
    named_as_of: str = ""          # the date the question itself asks the rule for ("before April 2026"), if any
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def facet(self) -> str | None:
        return self.facets[0] if self.facets else None

    @property
    def english(self) -> bool:
        return self.language == "en"

    def understood(self) -> dict[str, Any]:
        """What the API shows: why an answer was chosen."""
        return {"objects": list(self.objects), "facets": list(self.facets), "jurisdiction": self.jurisdiction,
                "language": self.language, "marks": list(self.marks), "core": self.core}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def _spec() -> dict:
    return _data("understanding.json")


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern:
    alts = []
    for p in phrases:
        if p.startswith("re:"):
            alts.append(p[3:])
        else:
            alts.append(r"(?<![\w])" + re.escape(fold(p)) + r"(?![\w])")
    return re.compile("|".join(alts) if alts else r"(?!x)x")


@lru_cache(maxsize=1)
def _objects() -> tuple[tuple[str, re.Pattern], ...]:
    def alt(t: str) -> str:  # "re:" entries are patterns (a word inside a longer one: "danh sách" is no book)
        return t[3:] if t.startswith("re:") else re.escape(fold(t)) + "s?"

    return tuple((k, re.compile(r"(?<![\w])(" + "|".join(alt(t) for t in v) + r")(?![\w])"))
                 for k, v in _spec()["objects"].items())


@lru_cache(maxsize=1)
def _facets() -> dict[str, re.Pattern]:
    return {k: _phrase_pattern(v) for k, v in _spec()["facets"].items()}


@lru_cache(maxsize=1)
def _jurisdiction() -> dict[str, Any]:
    j = _spec()["jurisdiction"]
    return {"vi": _phrase_pattern(j["countries"]["vi"]), "en": _phrase_pattern(j["countries"]["en"]),
            "vietnam": _phrase_pattern(j["vietnam"]), "routes": _phrase_pattern(j["routes"]),
            "case": re.compile(r"(?<![\w.])(" + "|".join(re.escape(c) for c in _spec()["case_sensitive"]["countries"])
                               + r")(?![\w])")}


@lru_cache(maxsize=1)
def _preamble() -> tuple[re.Pattern, re.Pattern]:
    spec = _spec()["preamble"]
    leads = sorted((fold(x) for x in spec["lead_ins"]), key=len, reverse=True)
    lead = re.compile(r"^\s*(" + "|".join(re.escape(x) for x in leads) + r")(?![\w])[\s,.:;!-]*")
    asks = _phrase_pattern(spec["question_words"])
    return lead, asks


def object_parent(obj: str | None) -> str | None:
    """The object this one is a kind of (a utility solution is a patent): its cards answer for it where it has none."""
    return _spec().get("object_parents", {}).get(obj) if obj else None


@lru_cache(maxsize=1)
def _named_dates() -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((day, _phrase_pattern(phrases)) for day, phrases in _spec().get("named_dates", {}).items()
                 if not day.startswith("_"))


def named_as_of(folded: str) -> str:
    """The date a question itself asks the rule for ('What was the limit before April 2026?'), or ''."""
    return next((day for day, pat in _named_dates() if pat.search(folded)), "")


def objects_in(folded: str) -> list[str]:
    """IP objects a folded text names, most specific first; a specific name hides the general one inside it."""
    found: list[tuple[int, str]] = []
    spans: list[tuple[int, int, str]] = []
    for name, pat in _objects():
        for m in pat.finditer(folded):
            spans.append((m.start(), m.end(), name))
    shadows = _spec()["object_shadows"]
    for start, end, name in spans:
        # "nhãn hiệu tập thể" also contains "nhãn hiệu": the general object is hidden by the specific one there.
        hidden = any(name in shadows.get(other, []) and s <= start and end <= e and (s, e) != (start, end)
                     for s, e, other in spans)
        if not hidden:
            found.append((start, name))
    # "… có phải gia hạn như nhãn hiệu không?": an object named only to compare with is not the one asked
    # about, unless the question asks for the comparison itself.
    compare = _spec().get("object_comparison_words", [])
    before = re.compile(r"(?:^|\s)(?:" + "|".join(re.escape(w) for w in compare) + r")\s*$") if compare else None
    compared = {name for start, name in found if before is not None and before.search(folded[:start])}
    if compared and not _facets()["comparison"].search(folded) and {n for _, n in found} - compared:
        found = [(start, name) for start, name in found if name not in compared]
    out: list[str] = []
    for _, name in sorted(found):
        if name not in out:
            out.append(name)
    return out


def _object_words(folded: str, names: Sequence[str]) -> list[str]:
    wanted = set(names)
    return [m.group(1) for name, pat in _objects() if name in wanted for m in pat.finditer(folded)]


def facets_in(folded: str, original: str = "", guessed: set[str] | None = None) -> list[str]:
    """Facets asked, in priority order; ``guessed`` collects those read from a generic word only."""
    hits = {k for k, p in _facets().items() if p.search(folded)}
    for facet, tokens in _spec()["case_sensitive"]["facets"].items():
        if facet.startswith("_"):
            continue
        if original and not original.isupper() and any(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", original)
                                                       for t in tokens):
            hits.add(facet)
    lead: list[str] = []
    for name, rule in _spec()["generic_facets"].items():
        if name.startswith("_") or name not in hits:
            continue
        for present, first in rule.get("leads_with", {}).items():
            if present in hits:
                lead.append(first)
        hits.discard(name)
        if not hits & set(rule["unless"]):
            if guessed is not None and rule.get("guess") and rule["becomes"] not in hits:
                guessed.add(rule["becomes"])
            hits.add(rule["becomes"])
    order = _spec()["facet_priority"]
    # "How long does examination take?" is about examination, not the term of protection.
    if "examination_time" in hits and "term" in hits and not re.search(r"thoi han bao ho|hieu luc|term of protection", folded):
        hits.discard("term")
    if "definition" in hits and hits & {"fees", "term", "documents", "steps", "examination_time"}:
        # "Thủ tục … là gì?" asks for the procedure, not a definition of it.
        hits.discard("definition")
    ranked = sorted(hits, key=lambda f: order.index(f) if f in order else len(order))
    return list(dict.fromkeys(lead)) + [f for f in ranked if f not in lead]


@lru_cache(maxsize=1)
def _back_reference() -> re.Pattern:
    return _phrase_pattern(_spec()["preamble"].get("back_references", []))


def core_question(text: str) -> str:
    """The part of a long post that asks: the last sentences that carry a question, without greetings."""
    lead, asks = _preamble()
    sentences = [s.strip() for s in re.split(r"(?<=[.?!…])\s+|\n+", text) if s.strip()]
    if len(sentences) > 1:
        asking = [i for i, s in enumerate(sentences) if s.endswith("?")]
        if not asking:
            asking = [i for i, s in enumerate(sentences) if asks.search(fold(s))]
        if asking:
            first = asking[-1]
            # Keep a question split over two sentences ("Tôi có logo. Vậy có phải đăng ký không?" keeps one,
            # "… bao lâu? Có gia hạn được không?" keeps both).
            while first > 0 and sentences[first - 1].endswith("?"):
                first -= 1
            if first > 0 and _back_reference().search(fold(sentences[first])):
                first -= 1  # "… bị một người lạ đăng ký trước. Hành vi này có vi phạm không?": "this" is the story
            sentences = sentences[first:]
    core = " ".join(sentences)
    for _ in range(3):
        m = lead.match(fold(core))
        if not m or m.end() >= len(core):
            break
        core = core[m.end():].lstrip(" ,.:;!-")
    return core.strip() or text.strip()


def jurisdiction_of(folded: str, original: str, language: str, facets: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    j = _jurisdiction()
    pat = j["en"] if language == "en" else j["vi"]
    countries = [m.group(0) for m in pat.finditer(folded)]
    countries += [m.group(0) for m in j["case"].finditer(original)] if not original.isupper() else []
    if not countries:
        return ("abroad" if "abroad" in facets else "vn"), ()
    mentions_vn = bool(j["vietnam"].search(folded))
    route = bool(j["routes"].search(folded)) or "abroad" in facets
    # "Register my brand in the US" is protection abroad (Madrid, from Viet Nam); "How long does a US
    # trademark last?" asks another country's own law, which this assistant does not hold.
    if route or mentions_vn:
        return "abroad", tuple(countries)
    return "foreign", tuple(countries)


def understand(text: str, *, as_of: str | date | None = None, history: Sequence[dict[str, str]] | None = None,
               marks: Sequence[str] = ()) -> Question:
    """Parse once. `marks` are the names a mark detector found (assistant.marks.find_quoted_marks)."""
    text = nfc(text).strip()
    core = core_question(text)
    folded = fold(core)
    whole = folded if core == text else fold(text)
    language = detect_language(core)
    objects = objects_in(folded)
    named_by_case: list[str] = []
    if not core.isupper():
        # "What are the requirements for a GI?": a token whose meaning depends on case (folded, "gì" is "what").
        for name, tokens in _spec()["case_sensitive"].get("objects", {}).items():
            if name not in objects and any(re.search(rf"(?<![\w.]){re.escape(t)}(?![\w])", core) for t in tokens):
                objects.append(name)
                named_by_case.append(_spec()["objects"][name][0])  # its name in words, for retrieval and cards
    whole_objects = objects or objects_in(whole)  # a preamble may name what "it" is
    guessed: set[str] = set()
    facets = facets_in(folded, core, guessed)
    # A facet read from a generic word ("… được không?") never leads one the question names.
    facets = [f for f in facets if f not in guessed] + [f for f in facets if f in guessed]
    if core != text:
        # The preamble may say what the question is about ("I am selling my design … Do I have to register?").
        facets += [f for f in facets_in(whole, text, guessed) if f not in facets]
    history_objects: list[str] = []
    prev_folded = ""
    context = ""
    previous = [h.get("content", "") for h in (history or []) if h.get("role") == "user" and h.get("content")]
    if previous:
        from .retrieve import contextualize

        context = contextualize(core, [{"role": "user", "content": previous[-1]}])
        if context != core:
            prev_folded = fold(previous[-1])
            history_objects = objects_in(prev_folded)
            if not whole_objects:
                whole_objects = history_objects
            if not facets:
                facets = facets_in(prev_folded, previous[-1])
    # A country named in the preamble ("Our brand is a registered US trademark. Is it protected here?") counts.
    jurisdiction, countries = jurisdiction_of(whole, text, language, facets)
    day = as_of.isoformat() if isinstance(as_of, date) else (as_of or date.today().isoformat())
    exp = tuple(expansions(core)) + tuple(named_by_case)
    if whole_objects and not objects:
        # The preamble or the previous question named what the question is about ("… registering a trademark …
        # How long is the examination now?", "can it be renewed?"): its words join the query, so retrieval and
        # cards look for that object.
        said = _object_words(whole, whole_objects) or (_object_words(prev_folded, whole_objects) if history_objects
                                                        else [])
        exp += tuple(dict.fromkeys(said))
    domain = bool(whole_objects) or _names_ip_term(f"{folded} {fold(' '.join(expansions(core, domain_only=True)))}")
    if domain and _names_off_topic(folded) and not [f for f in facets if f not in guessed and f != "definition"]:
        domain = False  # "What is the VAT rate on software services?" is a tax question that mentions software
    base = context or core
    query = f"{base} {' '.join(exp)}" if exp else base
    return Question(text=text, core=core, folded=folded, language=language, objects=tuple(whole_objects),
                    facets=tuple(facets), jurisdiction=jurisdiction, marks=tuple(marks), as_of=day,
                    # "What changed since before 1/4/2026?" compares the two rules: it asks for no earlier date.
                    named_as_of="" if "changes" in facets else named_as_of(whole),
                    expansions=exp, query=query, countries=countries, history_objects=tuple(history_objects),
                    domain=domain, guessed_facets=tuple(f for f in facets if f in guessed), folded_text=whole,
                    terms=frozenset(lexical_terms(core)).union(*(lexical_terms(e) for e in exp)))


@lru_cache(maxsize=1)
def _domain_patterns() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(rf"(?<!\w){re.escape(t)}") for t in _data("domain_terms.json")["terms"])


@lru_cache(maxsize=1)
def _off_topic_pattern() -> re.Pattern:
    return _phrase_pattern(_data("domain_terms.json").get("off_topic", []))


def _names_off_topic(folded: str) -> bool:
    return bool(_off_topic_pattern().search(folded))


def _names_ip_term(folded: str) -> bool:
    return any(p.search(folded) for p in _domain_patterns())


def is_shouting(text: str) -> bool:
    """A question written in capitals or Title Case: its capitalised words name nothing."""
    toks = [w for w in re.findall(r"[^\W\d_]+", text) if len(w) > 1]
    if not toks:
        return False
    caps = sum(w[0].isupper() for w in toks)
    return text.isupper() or caps / len(toks) >= 0.6


def content_words(folded: str) -> list[str]:
    from .text import stopwords

    stop = stopwords("vi") | stopwords("en")
    return [w for w in words(folded) if w not in stop and len(w) > 1]


@lru_cache(maxsize=1)
def _logistics() -> re.Pattern:
    return _phrase_pattern(_spec()["event_logistics"]["phrases"])


@lru_cache(maxsize=1)
def _material() -> re.Pattern:
    return _phrase_pattern([w for w in _spec()["event_logistics"]["material_words"] if not w[0].isdigit()
                            and "2023" not in w])


def mentions_event_material(q: Question) -> bool:
    """'Tài liệu tập huấn ở An Giang …': the question speaks of an event or its material, not just of a place."""
    return bool(_material().search(q.folded))


def asks_event_logistics(q: Question) -> bool:
    """'Hội nghị ở Quảng Ninh tổ chức khi nào?' asks about the event, not about what its material teaches."""
    return bool(_logistics().search(q.folded))


@lru_cache(maxsize=1)
def _overview() -> re.Pattern:
    return _phrase_pattern(_spec()["event_logistics"].get("overview_phrases", []))


def asks_material_overview(q: Question, of_deck: Question) -> bool:
    """'Hội nghị tập huấn ở An Giang dạy những gì?' asks what the deck covers as a whole, not one topic in it
    ('… nói gì về phân loại IPC?'). ``of_deck`` is the question as a search of the deck (about_material): the
    words naming the event are gone, so what is left after the overview words is the topic, if any."""
    from .text import _all_stopwords

    named = [f for f in q.facets if f not in q.guessed_facets and f != "definition"]
    if named or not _overview().search(q.folded):
        return False
    folded = fold(of_deck.core)
    stop = _all_stopwords() | set(_spec()["event_logistics"].get("overview_ignore", []))
    rest = [w for w in words(_overview().sub(" ", folded)) if w not in stop and len(w) > 1]
    return not rest


def about_material(q: Question, event_names: Sequence[str]) -> Question:
    """The question as a search of one deck: without the words that named the event ("tài liệu hội nghị ở An
    Giang"), so what the question asks about ranks the deck's pages."""
    from dataclasses import replace

    drop = sorted((fold(w) for w in (*_spec()["event_logistics"]["material_words"], *event_names) if w),
                  key=len, reverse=True)

    def strip(text: str) -> str:
        folded = fold(text)
        for w in drop:
            folded = re.sub(rf"(?<!\w){re.escape(w)}(?!\w)", " ", folded)
        return " ".join(folded.split()) or text

    # The composer ranks the deck's sentences by the core, retrieval by the query: both lose the event's name.
    return replace(q, query=strip(q.query), core=strip(q.core))
