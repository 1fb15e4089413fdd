"""Reports as documents: one Jinja2 template (web/templates/reports/) for the web page, the HTML file and the PDF.

A ``Document`` is what any report shows: a title, titled tables, charts (PNG, drawn by matplotlib), notes and what
it was computed from. The PDF is WeasyPrint's rendering of the very HTML the page shows, with its metadata pinned
(no creation date but the report's own, no random file identifier), so the same report gives the same bytes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from tutela.reports.unit_tables import ReportTable

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"


@dataclass(frozen=True)
class Chart:
    caption: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class Document:
    kind: str  # charging, case, operation, referrals, unit, public
    title: str
    computed_from: dict
    tables: list[ReportTable] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    headline: list[tuple[str, object]] = field(default_factory=list)  # the few figures shown large
    marking: str = "OFFICIAL-SENSITIVE"


def environment():
    """The Jinja2 environment of the report templates (and the web's, which share the folder)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html",)),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_html(document: Document) -> str:
    """The report as a standalone HTML page (the page the PDF is made from)."""
    return environment().get_template("reports/document.html").render(document=document)


def render_pdf(document: Document) -> bytes:
    """The report as PDF, from ``render_html``: same report, same bytes."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # font-config chatter is not the user's business
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML(string=render_html(document), base_url=str(TEMPLATES)).write_pdf(pdf_identifier=False)


def write_document(document: Document, path: Path) -> None:
    """``.html`` or ``.pdf`` by suffix, written to ``PATH.partial`` then renamed (a reader never sees half)."""
    from tutela.errors import UsageError

    suffix = path.suffix.lower()
    if suffix not in (".html", ".pdf"):
        raise UsageError(f"{path}: a report document is .html or .pdf")
    data = render_pdf(document) if suffix == ".pdf" else render_html(document).encode("utf-8")
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from None
