"""Run a question set: `python -m assistant.eval QUESTIONS.jsonl [--store DIR] [--signals] [--json]`.

Each line: {"q", "expect": [regex...], "cite": regex} or {"q", "ungrounded": true}.
Prints facts / cites / refusals; lead (every `expect` regex matches the first statement, i.e. the answer
leads with the fact); dup (answers with two statements that say the same thing); median words; retrieval
Hit@1, Hit@5, MRR; latency — and per failing question what was understood. With --signals, the same retrieval
figures for dense only, BM25 only and several fusion weights (how the defaults were chosen). A row may carry
`as_of` (the date whose law the answer must state).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

from .retrieve import Filters
from .service import CHAT_RECORD_TYPES, Assistant
from .settings import Settings

# What chat retrieves (service.Assistant.chat): GI records among the records, and no cards (they are matched apart).
CHAT_FILTERS = Filters(record_ip_types=CHAT_RECORD_TYPES, exclude_kinds=("card",))


def load_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _cite_ok(pattern: str, citations) -> bool:
    rx = re.compile(pattern, re.I)
    return any(rx.search(c.locator or "") or rx.search(c.title or "") for c in citations)


def retrieval_ranks(assistant: Assistant, questions: list[dict], k: int = 10) -> list[int | None]:
    ranks = []
    for q in questions:
        rx = re.compile(q["cite"], re.I)
        hits = assistant.retriever.retrieve(q["q"], k, CHAT_FILTERS)
        rank = next((i for i, h in enumerate(hits, 1) if rx.search(h.chunk.locator) or rx.search(h.chunk.title)),
                    None)
        ranks.append(rank)
    return ranks


def rank_metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {"hit@1": sum(r == 1 for r in ranks) / n, "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
            "mrr": sum(1 / r for r in ranks if r) / n}


def _statements(ans) -> list[str]:
    """The answer's statements: what the composer reports, else its lines (a generative answer)."""
    if ans.statements:
        return [s["text"] for s in ans.statements]
    return [ln.lstrip("- ").strip() for ln in ans.answer.splitlines() if ln.strip()]


def _has_duplicate(statements: list[str]) -> bool:
    from .answer import same_statement

    return any(same_statement(a, b) for i, a in enumerate(statements) for b in statements[i + 1:])


def _words(text: str) -> int:
    return len(re.sub(r"\[\d+\]", " ", text).split())


def run(assistant: Assistant, questions: list[dict]) -> dict:
    answerable = [q for q in questions if not q.get("ungrounded")]
    refusals = [q for q in questions if q.get("ungrounded")]
    facts = cites = refused = lead = dups = 0
    failures = []
    latencies = []
    word_counts = []
    for q in questions:
        t = time.perf_counter()
        ans = assistant.chat(q["q"], as_of=q.get("as_of"))
        latencies.append((time.perf_counter() - t) * 1000)
        if q.get("ungrounded"):
            ok = not ans.grounded and not ans.citations
            refused += ok
            if not ok:
                failures.append({"id": q.get("id"), "q": q["q"], "why": "answered an off-topic question",
                                 "understood": ans.understood})
            continue
        statements = _statements(ans)
        if ans.grounded:
            word_counts.append(_words(ans.answer))
            dups += _has_duplicate(statements)
        first = statements[0] if statements else ""
        lead_ok = ans.grounded and all(re.search(rx, first, re.I) for rx in q.get("expect", []))
        lead += lead_ok
        missing = [rx for rx in q.get("expect", []) if not re.search(rx, ans.answer, re.I)]
        fact_ok = ans.grounded and not missing
        cite_ok = ans.grounded and _cite_ok(q["cite"], ans.citations) if q.get("cite") else ans.grounded
        facts += fact_ok
        cites += cite_ok
        if not (fact_ok and cite_ok):
            why = []
            if not ans.grounded:
                why.append("refused")
            if missing:
                why.append(f"answer lacks {missing}")
            if not cite_ok:
                why.append(f"no citation matches /{q.get('cite')}/ (got {[c.locator for c in ans.citations]})")
            failures.append({"id": q.get("id"), "q": q["q"], "why": "; ".join(why), "understood": ans.understood,
                             "first": first[:160]})
        elif not lead_ok:
            failures.append({"id": q.get("id"), "q": q["q"], "why": "facts present but not in the first statement",
                             "understood": ans.understood, "first": first[:160], "lead_only": True})
    ranks = retrieval_ranks(assistant, [q for q in answerable if q.get("cite")])
    lat = sorted(latencies)
    return {
        "questions": len(questions),
        "facts": f"{facts}/{len(answerable)}", "cites": f"{cites}/{len(answerable)}",
        "refusals": f"{refused}/{len(refusals)}",
        "lead": f"{lead}/{len(answerable)}", "dup": f"{dups}/{len(word_counts)}",
        "median_words": statistics.median(word_counts) if word_counts else 0,
        **{k: round(v, 3) for k, v in rank_metrics(ranks).items()},
        "latency_ms_p50": round(statistics.median(lat), 1) if lat else 0.0,
        "latency_ms_p95": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1) if lat else 0.0,
        "failures": failures,
    }


def signal_table(assistant: Assistant, questions: list[dict]) -> list[dict]:
    """Retrieval quality of each signal alone and of several fusion weights."""
    cited = [q for q in questions if q.get("cite") and not q.get("ungrounded")]
    base = assistant.settings
    rows = []
    for label, wd, wl in [("dense only", 1.0, 0.0), ("bm25 only", 0.0, 1.0), ("rrf 1:1", 1.0, 1.0),
                          ("rrf 0.6:1", 0.6, 1.0), ("rrf 0.3:1", 0.3, 1.0), ("rrf 0.15:1", 0.15, 1.0),
                          ("rrf 1:0.6", 1.0, 0.6)]:
        for prior in (1.0, 1.15, 1.3):
            assistant.retriever.settings = replace_settings(base, weight_dense=wd, weight_lexical=wl,
                                                            prior_law=prior, prior_guide_howto=prior)
            rows.append({"signals": f"{label} prior {prior}", **{k: round(v, 3) for k, v in
                         rank_metrics(retrieval_ranks(assistant, cited)).items()}})
        continue
        assistant.retriever.settings = replace_settings(base, weight_dense=wd, weight_lexical=wl)
        rows.append({"signals": label, **{k: round(v, 3) for k, v in
                                          rank_metrics(retrieval_ranks(assistant, cited)).items()}})
    assistant.retriever.settings = base
    return rows


def replace_settings(settings: Settings, **changes) -> Settings:
    return settings.model_copy(update=changes)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.eval")
    p.add_argument("questions", type=Path)
    p.add_argument("--store", type=Path)
    p.add_argument("--signals", action="store_true", help="also compare dense, BM25 and fusion weights")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    settings = Settings(**({"store_dir": args.store} if args.store else {}))
    assistant = Assistant.open(settings)
    questions = load_questions(args.questions)
    result = run(assistant, questions)
    if args.signals:
        result["signals"] = signal_table(assistant, questions)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"questions {result['questions']}: facts {result['facts']}, cites {result['cites']}, "
          f"refusals {result['refusals']}, lead {result['lead']}, dup {result['dup']}, "
          f"median words {result['median_words']}")
    print(f"retrieval: Hit@1 {result['hit@1']:.3f}  Hit@5 {result['hit@5']:.3f}  MRR {result['mrr']:.3f}")
    print(f"latency: p50 {result['latency_ms_p50']} ms  p95 {result['latency_ms_p95']} ms")
    for row in result.get("signals", []):
        print(f"  {row['signals']:<12} Hit@1 {row['hit@1']:.3f}  Hit@5 {row['hit@5']:.3f}  MRR {row['mrr']:.3f}")
    for f in result["failures"]:
        tag = "LEAD" if f.get("lead_only") else "FAIL"
        u = f.get("understood") or {}
        print(f"{tag} {f['id']}: {f['q']} — {f['why']}")
        print(f"     understood: objects {u.get('objects')} facets {u.get('facets')} "
              f"jurisdiction {u.get('jurisdiction')}" + (f"; first: {f['first']}" if f.get("first") else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
