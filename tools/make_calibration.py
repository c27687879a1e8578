"""Write assistant/data/encoder_calibration.json: the texts the ONNX export calibrates its static int8 layers on.

A fixed, committed sample — passages and records as they are embedded, and questions as people ask them — so
the export is reproducible and does not depend on any store. Run after large corpus changes:
``python tools/make_calibration.py`` (then bump EXPORT_VERSION only if the recipe itself changed: the file's
content is part of the encoder's fingerprint already).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.chunking import chunk_source  # noqa: E402
from assistant.ingest import embed_text  # noqa: E402
from assistant.loaders import iter_corpus_files, load_file  # noqa: E402

PASSAGES, RECORDS, QUESTIONS, TERMS = 128, 128, 64, 48


def main() -> int:
    rng = random.Random(2026)
    corpus = ROOT / "corpus"
    passages, records = [], []
    for path in iter_corpus_files(corpus):
        try:
            sources = load_file(path, corpus)
        except Exception:  # noqa: BLE001 - a bad file is ingest's business, not the sample's
            continue
        for s in sources:
            for c in chunk_source(s):
                (records if s.kind == "record" else passages).append(embed_text(s, c))
    questions = [json.loads(line)["q"] for f in sorted((ROOT / "eval").glob("*.jsonl"))
                 for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    # One- and two-word queries ("a", "logo", "nhãn hiệu"): in a short text the special tokens weigh most, and
    # their activations reach past what longer texts show.
    glossary = json.loads((ROOT / "assistant" / "data" / "glossary.json").read_text(encoding="utf-8"))
    terms = sorted({m for e in glossary["entries"] for m in e["match"] if len(m.split()) <= 2})
    for pool in (passages, records, questions, terms):
        pool.sort()
        rng.shuffle(pool)
    texts = passages[:PASSAGES] + records[:RECORDS] + questions[:QUESTIONS] + terms[:TERMS] + ["a", "?", "IP", "GI", "logo"]
    out = ROOT / "assistant" / "data" / "encoder_calibration.json"
    out.write_text(json.dumps({"about": "calibration sample of the int8 encoder export (tools/make_calibration.py)",
                               "texts": texts}, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{out.relative_to(ROOT)}: {len(texts)} texts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
