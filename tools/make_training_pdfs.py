#!/usr/bin/env python3
"""Render the training-deck sources in tools/training_sources/*.md into PDFs.

Each source file has front matter (title, event, place, event_date, organiser,
audience, optional keywords) followed by slides separated by a line
``---slide---``; a slide is one heading line ``# ...`` and bullet lines ``- ...``.

For every source this writes, in corpus/training/:
  <slug>.pdf        one landscape A4 page per slide, DejaVu Sans (Vietnamese),
                    footer "<deck title> — trang N", PDF metadata (Title,
                    Subject = event, Author = organiser, Keywords) plus custom
                    info keys /Event /Place /EventDate /Kind (= training)
  <slug>.meta.json  the same metadata as a sidecar (always written)

<slug> is the source file name without its numeric prefix ("01-") and ".md".
Output is deterministic: fixed creation date, no timestamps from the clock.

Usage (from the repo root):
    /work/main/.venv/bin/python tools/make_training_pdfs.py
    /work/main/.venv/bin/python tools/make_training_pdfs.py --check   # also print page-1 text via pypdf
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "tools" / "training_sources"
OUT_DIR = REPO / "corpus" / "training"
SLIDE_SEP = "---slide---"
CREATION_DATE = datetime(2023, 12, 31, tzinfo=timezone.utc)
REQUIRED_KEYS = ("title", "event", "place", "event_date", "organiser", "audience")
MIN_SLIDES, MAX_SLIDES = 6, 12

# Page geometry (mm), landscape A4 = 297 x 210
MARGIN_X = 18
TOP = 16
FOOTER_H = 14
BULLET_INDENT = 7


def _font_paths() -> tuple[str, str]:
    """DejaVu Sans regular/bold: system copy first, then matplotlib's bundled copy."""
    system = Path("/usr/share/fonts/truetype/dejavu")
    regular, bold = system / "DejaVuSans.ttf", system / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return str(regular), str(bold)
    try:
        import matplotlib  # type: ignore

        mpl = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        regular, bold = mpl / "DejaVuSans.ttf", mpl / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return str(regular), str(bold)
    except ImportError:
        pass
    sys.exit("DejaVu Sans not found (install fonts-dejavu-core or matplotlib)")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def parse_source(path: Path) -> dict:
    text = _nfc(path.read_text(encoding="utf-8"))
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValueError(f"{path.name}: missing front matter")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ValueError(f"{path.name}: unterminated front matter") from None

    meta: dict[str, str] = {}
    for raw in lines[1:end]:
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        key, sep, value = raw.partition(":")
        if not sep:
            raise ValueError(f"{path.name}: bad front-matter line {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        meta[key.strip()] = value
    missing = [k for k in REQUIRED_KEYS if not meta.get(k)]
    if missing:
        raise ValueError(f"{path.name}: front matter lacks {missing}")
    if not re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", meta["event_date"]):
        raise ValueError(f"{path.name}: event_date must be YYYY-MM-DD (or YYYY if unknown)")

    slides = []
    chunks = "\n".join(lines[end + 1 :]).split("\n" + SLIDE_SEP + "\n")
    for n, chunk in enumerate(chunks, 1):
        heading, bullets = None, []
        for raw in chunk.splitlines():
            line = raw.rstrip()
            if not line.strip():
                continue
            if line.startswith("# "):
                if heading is not None:
                    raise ValueError(f"{path.name}: slide {n} has two headings")
                heading = line[2:].strip()
            elif line.startswith("- "):
                bullets.append(line[2:].strip())
            elif bullets:  # continuation of the previous bullet
                bullets[-1] += " " + line.strip()
            else:
                raise ValueError(f"{path.name}: slide {n}: unexpected line {line!r}")
        if heading is None or not bullets:
            raise ValueError(f"{path.name}: slide {n} needs a '# ' heading and '- ' bullets")
        slides.append({"heading": heading, "bullets": bullets})
    if not MIN_SLIDES <= len(slides) <= MAX_SLIDES:
        raise ValueError(f"{path.name}: {len(slides)} slides (need {MIN_SLIDES}-{MAX_SLIDES})")

    slug = re.sub(r"^\d+-", "", path.stem)
    return {"slug": slug, "source_file": path.relative_to(REPO).as_posix(), "meta": meta, "slides": slides}


def _install_custom_info_keys() -> bool:
    """Let FPDF write extra keys into the PDF /Info dictionary.

    fpdf2 serialises every public attribute of its PDFInfo object as
    /CamelCase keys, so attributes event, place, event_date, kind become
    /Event, /Place, /EventDate, /Kind. This wraps the (internal) method that
    builds that object; if a future fpdf2 changes it, the PDFs are still
    written and the sidecar .meta.json remains the source of truth.
    """
    try:
        from fpdf import output as fpdf_output
        from fpdf.syntax import PDFString

        original = fpdf_output.OutputProducer._add_info
    except (ImportError, AttributeError):
        return False
    if getattr(original, "_custom_info_wrapper", False):
        return True

    def _add_info(self):  # type: ignore[no-untyped-def]
        info = original(self)
        for key, value in getattr(self.fpdf, "custom_info", {}).items():
            setattr(info, key, PDFString(value, encrypt=True))
        return info

    _add_info._custom_info_wrapper = True  # type: ignore[attr-defined]
    fpdf_output.OutputProducer._add_info = _add_info
    return True


class DeckPDF(FPDF):
    def __init__(self, deck_title: str):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.deck_title = deck_title
        self.custom_info: dict[str, str] = {}
        regular, bold = _font_paths()
        self.add_font("DejaVu", "", regular)
        self.add_font("DejaVu", "B", bold)
        self.set_auto_page_break(False)
        self.set_margins(MARGIN_X, TOP, MARGIN_X)

    def footer(self) -> None:
        self.set_y(-FOOTER_H + 3)
        self.set_draw_color(180, 180, 180)
        self.line(MARGIN_X, self.get_y() - 2, self.w - MARGIN_X, self.get_y() - 2)
        self.set_font("DejaVu", "", 9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, f"{self.deck_title} — trang {self.page_no()}", align="L")


def _text_height(pdf: DeckPDF, width: float, text: str, line_h: float) -> float:
    lines = pdf.multi_cell(width, line_h, text, dry_run=True, output="LINES")
    return len(lines) * line_h


def render_slide(pdf: DeckPDF, slide: dict, first: bool) -> None:
    pdf.add_page()
    usable_w = pdf.w - 2 * MARGIN_X
    bottom = pdf.h - FOOTER_H - 4

    # Heading
    pdf.set_text_color(20, 60, 110)
    head_size = 24 if first else 20
    pdf.set_font("DejaVu", "B", head_size)
    pdf.set_xy(MARGIN_X, TOP)
    pdf.multi_cell(usable_w, head_size * 0.5, slide["heading"], align="L")
    y = pdf.get_y() + 3
    pdf.set_draw_color(20, 60, 110)
    pdf.set_line_width(0.6)
    pdf.line(MARGIN_X, y, pdf.w - MARGIN_X, y)
    pdf.set_line_width(0.2)
    y += 5

    # Bullets: shrink the font until everything fits above the footer
    text_w = usable_w - BULLET_INDENT
    gap = 2.5
    for size in (16, 15, 14, 13, 12, 11.5, 11, 10.5, 10, 9.5, 9):
        line_h = size * 0.46
        pdf.set_font("DejaVu", "", size)
        total = sum(_text_height(pdf, text_w, b, line_h) + gap for b in slide["bullets"])
        if y + total <= bottom:
            break
    else:
        raise ValueError(f"slide {slide['heading']!r} does not fit on one page")

    pdf.set_text_color(30, 30, 30)
    for bullet in slide["bullets"]:
        pdf.set_xy(MARGIN_X, y)
        pdf.cell(BULLET_INDENT, line_h, "•")
        pdf.set_xy(MARGIN_X + BULLET_INDENT, y)
        pdf.multi_cell(text_w, line_h, bullet, align="L")
        y = pdf.get_y() + gap


def build_pdf(deck: dict, out_pdf: Path) -> int:
    meta = deck["meta"]
    pdf = DeckPDF(meta["title"])
    pdf.set_title(meta["title"])
    pdf.set_subject(meta["event"])
    pdf.set_author(meta["organiser"])
    pdf.set_keywords(meta.get("keywords", ""))
    pdf.set_creator("Trợ lý SHTT — tools/make_training_pdfs.py")
    pdf.set_lang("vi")
    pdf.set_creation_date(CREATION_DATE)
    pdf.custom_info = {
        "event": meta["event"],
        "place": meta["place"],
        "event_date": meta["event_date"],
        "kind": "training",
    }
    for i, slide in enumerate(deck["slides"]):
        render_slide(pdf, slide, first=(i == 0))
    pdf.output(str(out_pdf))
    return pdf.page_no()


def sidecar(deck: dict, pages: int) -> dict:
    meta = deck["meta"]
    return {
        "title": meta["title"],
        "event": meta["event"],
        "place": meta["place"],
        "event_date": meta["event_date"],
        "organiser": meta["organiser"],
        "kind": "training",
        "source_url": None,
        "audience": meta["audience"],
        "keywords": meta.get("keywords"),
        "pages": pages,
        "source_file": deck["source_file"],
        "note": (
            "Tài liệu do dự án Trợ lý SHTT biên soạn lại theo chủ đề sự kiện; thông tin về sự kiện lấy từ "
            "báo cáo năm 2023 của Viện Khoa học sở hữu trí tuệ, không phải bài trình bày gốc."
        ),
        # Validity (corpus/README.md) rides along so a deck shows its legal version and check date.
        **{k: meta[k] for k in ("legal_version", "valid_from", "valid_to", "checked", "confidence") if meta.get(k)},
    }


def check_pdf(path: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    info = reader.metadata or {}
    print(f"== {path.name}: {len(reader.pages)} pages")
    for key in ("/Title", "/Subject", "/Author", "/Event", "/Place", "/EventDate", "/Kind"):
        print(f"   {key}: {info.get(key)}")
    print("   --- page 1 text ---")
    print("   " + reader.pages[0].extract_text().replace("\n", "\n   "))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="print metadata and page-1 text of each PDF via pypdf")
    args = ap.parse_args()

    custom_ok = _install_custom_info_keys()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    sources = sorted(SOURCES.glob("*.md"))
    if not sources:
        sys.exit(f"no sources in {SOURCES}")
    decks = [parse_source(p) for p in sources]
    slugs = [d["slug"] for d in decks]
    if len(set(slugs)) != len(slugs):
        sys.exit(f"duplicate slugs: {slugs}")

    # Remove stale generated files (only .pdf / .meta.json pairs this script owns).
    for old in OUT_DIR.glob("*.meta.json"):
        slug = old.name[: -len(".meta.json")]
        if slug not in slugs:
            old.unlink()
            (OUT_DIR / f"{slug}.pdf").unlink(missing_ok=True)

    for deck in decks:
        out_pdf = OUT_DIR / f"{deck['slug']}.pdf"
        pages = build_pdf(deck, out_pdf)
        out_meta = OUT_DIR / f"{deck['slug']}.meta.json"
        out_meta.write_text(json.dumps(sidecar(deck, pages), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out_pdf.relative_to(REPO)} ({pages} pages) + {out_meta.name}")
    if not custom_ok:
        print("warning: custom PDF info keys not supported by this fpdf2; sidecars carry the metadata")
    if args.check:
        for deck in decks:
            check_pdf(OUT_DIR / f"{deck['slug']}.pdf")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
