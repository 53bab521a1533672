"""Realistic source files written by the tests: a news page with navigation, ads, comments and
scripts; a page whose declared charset is wrong; PDFs in one and two columns, with running
headers, hyphenated line ends, no text layer, or a password."""

from __future__ import annotations

import io
from pathlib import Path

NEWS_PARAGRAPHS = [
    "The lighthouse keepers' guild of Vellmar voted on Thursday to restore the old signal "
    "tower on Gannet Point, ending a dispute that had divided the island for six years.",
    "The restoration will cost about 2.4 million crowns and is expected to take eighteen "
    "months, according to the guild's treasurer, Odile Franck.",
    "Fishermen had campaigned for the tower since a trawler ran aground on the reef below "
    "it in the winter storms, when the temporary beacon failed for two nights.",
    "Work on the foundations begins in April, and the lamp room will be rebuilt with glass "
    "made in the mainland foundry at Ostrava Quay.",
]
COMMENT = "Absolutely ridiculous waste of money, my grandmother could build a better tower."
NAV = ["Home", "World", "Politics", "Sport", "Weather", "Subscribe now"]
AD = "Buy the new Aquaphone 12 today with free shipping on every order over fifty crowns"


def news_page(url: str = "https://news.example.org/vellmar/tower") -> str:
    """A news page as a newspaper site serves it."""
    nav = "".join(f'<li><a href="/{n.lower()}">{n}</a></li>' for n in NAV)
    body = "".join(f"<p>{p}</p>" for p in NEWS_PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Guild votes to restore Gannet Point tower | Vellmar Courier</title>
<link rel="canonical" href="{url}">
<meta name="author" content="Mira Castell">
<meta property="og:site_name" content="Vellmar Courier">
<meta property="article:published_time" content="2025-02-13T08:30:00+00:00">
<script>window.dataLayer = [{{"page": "article"}}]; function track() {{ return 1; }}</script>
<style>body {{ font-family: serif; }}</style>
</head><body>
<header><nav><ul>{nav}</ul></nav></header>
<div class="advert" id="ad-top"><a href="https://ads.example.com/x">{AD}</a></div>
<main><article>
<h1>Guild votes to restore Gannet Point tower</h1>
<p class="byline">By Mira Castell</p>
{body}
</article>
<aside class="related"><h3>Related</h3><ul><li><a href="/1">Ferry timetable changes</a></li>
<li><a href="/2">Storm warning for the north coast</a></li></ul></aside>
<section id="comments" class="comments"><h3>Comments (2)</h3>
<div class="comment"><p>{COMMENT}</p></div>
<div class="comment"><p>Great news for the harbour, finally someone listened.</p></div>
</section></main>
<footer><p>&copy; 2025 Vellmar Courier. All rights reserved.</p></footer>
<script>track();</script>
</body></html>"""


def bad_charset_page() -> bytes:
    """A page that says UTF-8 but is Windows-1252, as old sites and hand-edited files are."""
    text = (
        "<html><head><meta charset='utf-8'><title>Caf\u00e9 owners protest</title></head><body>"
        "<article><p>The caf\u00e9 owners of the old town marched to the mayor\u2019s office "
        "on Monday to protest against the new terrace fees, which they say will close "
        "half of the small businesses in the district.</p><p>The mayor promised a "
        "r\u00e9sum\u00e9 of the fee study by the end of the month.</p></article></body></html>"
    )
    return text.encode("cp1252")


PDF_PARAGRAPHS = [
    "The annual report of the Northern Canal Trust describes a year in which the number of "
    "boats using the locks rose for the third time in a row, to almost eleven thousand.",
    "Repairs to the Hollin aqueduct were finished in September, three weeks ahead of the "
    "schedule agreed with the county engineers, and below the budget of four hundred "
    "thousand pounds.",
    "Volunteers cleared reeds from nine miles of towpath, and the trust planted two "
    "thousand hawthorn saplings along the embankment near Brindle Wharf.",
    "The trust's membership grew to 3,180 households, and its income from mooring fees "
    "covered the whole cost of the lock keepers for the first time.",
]


def pdf_bytes(
    paragraphs: list[str],
    *,
    columns: int = 1,
    header: str | None = None,
    title: str | None = None,
    repeat: int = 1,
    encrypt: str | None = None,
) -> bytes:
    """A PDF with real text flowing through `columns` frames a page, as reportlab lays it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    out = io.BytesIO()
    width, height = A4
    gutter, margin = 20, 50
    column = (width - 2 * margin - (columns - 1) * gutter) / columns
    frames = [
        Frame(margin + i * (column + gutter), margin, column, height - 2 * margin, id=f"c{i}")
        for i in range(columns)
    ]

    def running(canvas, doc) -> None:
        canvas.setFont("Helvetica", 8)
        if header:
            canvas.drawString(margin, height - 30, header)
        canvas.drawString(width / 2, 25, str(doc.page))

    doc = BaseDocTemplate(out, pagesize=A4, title=title or "", author="Trust Secretary")
    if encrypt:
        from reportlab.lib import pdfencrypt

        doc.encrypt = pdfencrypt.StandardEncryption(encrypt, canPrint=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=frames, onPage=running)])
    style = getSampleStyleSheet()["BodyText"]
    doc.build([Paragraph(p, style) for _ in range(repeat) for p in paragraphs])
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A PDF of drawn shapes only, as a scan without OCR is: pages but no text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for _ in range(2):
        for i in range(40):
            c.rect(50, 780 - i * 18, 480 - (i % 5) * 30, 10, fill=1)
        c.showPage()
    c.save()
    return out.getvalue()


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def hyphenated_pdf() -> bytes:
    """Lines set by hand, as a typesetter breaks them: words hyphenated at line ends, and a
    paragraph that runs on from page 1 to page 2."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    pages = [
        [
            [
                "The survey counted forty-one nesting pairs of terns on the shin-",
                "gle bank, the highest number since the reserve was founded.",
            ],
            [
                "Wardens believe the new fence kept foxes away from the colony",
                "during the spring, although the",
            ],
        ],
        [
            [
                "evidence is still incomplete and the count will be re-",
                "peated next year by the same volunteers.",
            ],
        ],
    ]
    for page in pages:
        y = 780.0
        for paragraph in page:
            for line in paragraph:
                c.drawString(60, y, line)
                y -= 14
            y -= 10
        c.showPage()
    c.save()
    return out.getvalue()


def docx_bytes(paragraphs: list[str], *, title: str, heading: str) -> bytes:
    """A Word document as Word writes one: a heading style, body paragraphs, properties."""
    from docx import Document

    document = Document()
    document.core_properties.title = title
    document.core_properties.author = "Trust Secretary"
    document.add_heading(heading, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
