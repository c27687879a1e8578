"""An advice draft as a real Word document (python-docx): headings, numbered sections, citation endnotes."""

from __future__ import annotations

import io
import re
from typing import Any

# XML 1.0 cannot hold these; python-docx refuses them, so an edited draft that carries one is cleaned, not lost.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _x(text: Any) -> str:
    return _NOT_XML.sub("", str(text or ""))

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def to_docx(d: dict[str, Any]) -> bytes:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.title = _x(d.get("title"))[:255] or "Văn bản tư vấn"
    doc.core_properties.subject = "Văn bản tư vấn sở hữu trí tuệ"
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    doc.add_heading(_x(d.get("title")) or "Văn bản tư vấn", level=0)
    for s in d["sections"]:
        doc.add_heading(f"{s['number']}. {_x(s['title'])}", level=1)
        for p in s["paragraphs"]:
            para = doc.add_paragraph(_x(p["text"]))
            for n in p.get("cites") or []:
                run = para.add_run(f"[{n}]")
                run.font.superscript = True
    if d.get("warnings"):
        doc.add_heading("Lưu ý", level=1)
        for w in d["warnings"]:
            doc.add_paragraph(_x(w), style="List Bullet")
    # Citations as an endnote list: python-docx has no footnote API, so the notes follow the text, numbered.
    doc.add_heading("Nguồn trích dẫn", level=1)
    for c in d.get("citations") or []:
        loc = f" — {_x(c['locator'])}" if c.get("locator") else ""
        doc.add_paragraph(f"[{c['n']}] {_x(c['title'])}{loc} (/sources/{_x(c['source_id'])})")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
