"""A corpus with no cards — the statute quotations of ../shared/corpus-sources, one file each — still gets
answer-first, deduplicated, budgeted answers from the passage composer."""

import json
from pathlib import Path

import pytest

QUOTES = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus-sources" / \
    "ip_statute_quotations_secondary.jsonl"


@pytest.fixture(scope="module")
def plain(tmp_path_factory, embedder):
    if not QUOTES.exists():
        pytest.skip("the shared statute quotations are not beside this checkout")
    from assistant.ingest import ingest
    from assistant.service import Assistant
    from assistant.settings import Settings

    rows = [json.loads(line) for line in QUOTES.read_text(encoding="utf-8").splitlines() if line.strip()][:60]
    base = tmp_path_factory.mktemp("plain")
    corpus = base / "corpus" / "law"
    corpus.mkdir(parents=True)
    for i, r in enumerate(rows):
        (corpus / f"q{i:03d}.md").write_text(f"# {r['citation']}\n\n{r['quoted_text']}\n", encoding="utf-8")
    settings = Settings(store_dir=base / "store", corpus_dir=base / "corpus")
    ingest(settings, [settings.corpus_dir], embedder=embedder)
    return Assistant.open(settings, embedder=embedder), rows


def test_answers_from_plain_passages_lead_with_one_statement_and_say_each_thing_once(plain):
    from assistant.answer import same_statement

    assistant, rows = plain
    answered = 0
    for r in rows[:25]:
        ans = assistant.chat(r["qa_title"])
        assert len(assistant.cards) == 0
        if not ans.grounded:
            continue
        answered += 1
        texts = [s["text"] for s in ans.statements]
        assert ans.statements[0]["role"] == "lead"
        assert not any(same_statement(a, b) for i, a in enumerate(texts) for b in texts[i + 1:]), texts
        assert len(ans.answer.split()) <= 260  # facet budget, plus list items the question asked for
        assert all(s["cites"] for s in ans.statements if s["role"] != "note"), (r["qa_title"], ans.statements)
    assert answered >= 15
