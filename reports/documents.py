"""The activity report as a PDF (WeasyPrint, through ``rakor.pdf``) and as a DOCX (python-docx).

Both are made from one ``selectors.ReportContent`` and walk one ``selectors.outline()``: the
cover, the table of contents (in the PDF with page numbers from CSS ``target-counter``; in
the DOCX a Word TOC field that Word fills in on opening), BAB I–IV and the annexes. The DOCX
carries the same chapters, sections and tables for the leadership's edits; the charts are
in the PDF only (their numbers are the tables beside them in both).

The organisers' Markdown reaches the PDF as nh3-sanitised HTML (``minutes.markup``), and the
DOCX through the same sanitised HTML, walked element by element into paragraphs and runs:
no markup of the text's own survives as markup, nothing is fetched.
"""

from __future__ import annotations

import io

import lxml.html
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from attendance.reports import count_headers
from rakor.pdf import layout_document, write_pdf

from .selectors import ReportContent

SCALE = (1, 2, 3, 4, 5)


def _evaluation_items(evaluation: dict | None) -> list[dict]:
    if not evaluation:
        return []
    rows = []
    for item in evaluation.get("items") or []:
        distribution = {int(k): v for k, v in (item.get("distribution") or {}).items()}
        mean = item.get("mean")
        rows.append({**item, "mean_label": formats.number_format(mean, 2) if mean is not None else "—",
                     "scale_counts": [distribution.get(k, 0) for k in SCALE]})
    return rows


def context(content: ReportContent, *, final: bool = False, signer: str = "") -> dict:
    event = content.event
    return {
        "event": event, "content": content, "chapters": content.chapters, "narrative": content.narrative,
        "as_of_label": content.as_of_label,
        "as_of_date": formats.date_format(timezone.localtime(content.as_of, event.tz), "j F Y"),
        "date_label": content.date_label, "organiser_name": content.organiser_name,
        "session_count": sum(len(d.sessions) for d in content.agenda),
        "recap": content.recap, "count_headers": count_headers(), "charts": content.charts,
        "agenda": content.agenda, "minutes": content.minutes, "invitation": content.invitation,
        "evaluation": content.evaluation, "evaluation_items": _evaluation_items(content.evaluation), "scale": SCALE,
        "certificates": content.certificates, "attendance_lists": content.attendance_lists,
        "final": final, "signer": signer, "sign_place": "Jakarta",
        "empty_narrative": _("(belum diisi)"),
    }


def report_html(content: ReportContent, *, final: bool = False, signer: str = "") -> str:
    """The HTML WeasyPrint receives (tests check it is inert)."""
    return render_to_string("reports/pdf.html", context(content, final=final, signer=signer))


def report_pdf(content: ReportContent, *, final: bool = False, signer: str = "") -> tuple[bytes, int]:
    """(PDF bytes, number of pages); unsigned (``services`` signs a final version)."""
    document = layout_document(report_html(content, final=final, signer=signer))
    return write_pdf(document), len(document.pages)


# ---------------------------------------------------------------- DOCX


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, TOC …) in ``paragraph``, marked dirty so Word computes it on opening."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            element.set(qn("w:dirty"), "true")
        run._r.append(element)

    char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = instruction
    run._r.append(instr)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def _inline(paragraph, element, bold=False, italic=False) -> None:
    """The text of ``element`` and its children as runs (bold/italic kept; links as their text and address)."""
    if element.text:
        run = paragraph.add_run(element.text)
        run.bold, run.italic = bold or None, italic or None
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            paragraph.add_run().add_break()
        else:
            _inline(paragraph, child, bold=bold or tag in ("strong", "b", "th"),
                    italic=italic or tag in ("em", "i"))
            if tag == "a" and child.get("href") and child.get("href") != (child.text_content() or "").strip():
                paragraph.add_run(f" ({child.get('href')})")
        if child.tail:
            run = paragraph.add_run(child.tail)
            run.bold, run.italic = bold or None, italic or None


def _html_to_docx(doc, html: str) -> None:
    """Sanitised HTML (``render_markdown``'s) into paragraphs, lists and tables of ``doc``."""
    if not html or not html.strip():
        doc.add_paragraph(_("(belum diisi)"))
        return
    root = lxml.html.fragment_fromstring(str(html), create_parent="div")
    for element in root:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for li in element.iter("li"):
                _inline(doc.add_paragraph(style=style), li)
        elif tag in ("h3", "h4", "h5", "h6"):
            _inline(doc.add_paragraph(style="Heading 4"), element)
        elif tag == "table":
            rows = list(element.iter("tr"))
            width = max((len(r.findall("th")) + len(r.findall("td")) for r in rows), default=0)
            if rows and width:
                table = doc.add_table(rows=0, cols=width)
                table.style = "Table Grid"
                for tr in rows:
                    cells = table.add_row().cells
                    for cell, td in zip(cells, [c for c in tr if c.tag in ("td", "th")]):
                        _inline(cell.paragraphs[0], td, bold=td.tag == "th")
        elif tag == "pre":
            doc.add_paragraph(element.text_content())
        else:
            _inline(doc.add_paragraph(), element)
        if element.tail and element.tail.strip():
            doc.add_paragraph(element.tail.strip())


def _table(doc, headers: list[str], rows: list[list]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell.paragraphs[0].add_run(str(text)).bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = "" if value is None else str(value)
    doc.add_paragraph()


def _meta(doc, pairs: list[tuple[str, str]]) -> None:
    for label, value in pairs:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(str(value))


def report_docx(content: ReportContent, *, final: bool = False, signer: str = "") -> bytes:
    """The same report as a Word document: the same chapters and sections (headings 1 and 2), tables for figures."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Mm, Pt

    ctx = context(content, final=final, signer=signer)
    event = content.event
    doc = docx.Document()
    doc.core_properties.title = f"{_('Laporan Kegiatan')} — {event.name}"
    doc.core_properties.comments = _("Disusun dari catatan Rakor per %(at)s.") % {"at": content.as_of_label}
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.left_margin, section.right_margin = Mm(30), Mm(20)
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(11)

    # Cover
    for text, size, bold in ((content.organiser_name.upper(), 12, True), ("", 12, False),
                             (_("LAPORAN KEGIATAN"), 20, True), (event.name, 14, True),
                             (f"“{event.theme}”" if event.theme else "", 11, False), (content.date_label, 11, False),
                             (event.venue, 11, False), (_("VERSI FINAL") if final else "", 11, True),
                             (_("Disusun dari catatan Rakor per %(at)s.") % {"at": content.as_of_label}, 9, False)):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold, run.font.size = bold, Pt(size)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # Table of contents (Word fills it in; until then it lists the headings without numbers)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(_("DAFTAR ISI")).bold = True
    _field(doc.add_paragraph(), r'TOC \o "1-2" \h \z \u', _("Perbarui bidang (F9) untuk nomor halaman."))
    for chapter in content.chapters:
        doc.add_paragraph(chapter.heading)
        for s in chapter.sections:
            doc.add_paragraph(s.title).paragraph_format.left_indent = Mm(8)

    # Numbered pages from here on
    body = doc.add_section(WD_SECTION.NEW_PAGE)
    body.footer.is_linked_to_previous = False
    footer = body.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(footer, "PAGE", "1")

    recap = content.recap
    for index, chapter in enumerate(content.chapters):
        if index:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        heading = doc.add_heading(chapter.heading, level=1)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        titles = [s.title for s in chapter.sections]
        if chapter.id == "bab1":
            doc.add_heading(titles[0], level=2)
            _html_to_docx(doc, content.narrative["background"]["html"])
            doc.add_heading(titles[1], level=2)
            _html_to_docx(doc, content.narrative["objectives"]["html"])
            doc.add_heading(titles[2], level=2)
            _meta(doc, [(_("Nama kegiatan"), event.name), (_("Tema"), event.theme or "—"),
                        (_("Penyelenggara"), content.organiser_name or "—"), (_("Waktu"), content.date_label),
                        (_("Tempat"), ", ".join(p for p in (event.venue, event.venue_address) if p) or "—"),
                        (_("Jumlah sesi"), ctx["session_count"])])
        elif chapter.id == "bab2":
            doc.add_heading(titles[0], level=2)
            inv = content.invitation
            if inv:
                _meta(doc, [(_("Nomor"), inv.get("number", "")),
                            (_("Tanggal"), formats.date_format(inv["date"], "j F Y") if inv.get("date") else "—"),
                            (_("Perihal"), inv.get("subject", "")), (_("Penanda tangan"), inv.get("signatory", "")),
                            (_("Unit diundang"), inv.get("units_invited", 0)),
                            (_("Unit menjawab"), inv.get("units_answered", 0))])
                if inv.get("asked"):
                    _table(doc, [_("Jenis unit"), _("Jabatan"), _("Moda"), _("Kursi")],
                           [[a.get("unit_kind"), a.get("positions"), a.get("mode"), a.get("seats")] for a in inv["asked"]])
                if inv.get("units_missing"):
                    doc.add_paragraph(_("Unit yang belum menjawab") + ": " + ", ".join(inv["units_missing"]))
            else:
                doc.add_paragraph(_("Tidak ada surat undangan yang tercatat di Rakor untuk kegiatan ini."))
            doc.add_heading(titles[1], level=2)
            for day in content.agenda:
                doc.add_paragraph(day.label).runs[0].bold = True
                _table(doc, [_("Waktu"), _("Acara"), _("Narasumber"), _("Moderator")],
                       [[s["time"], s["title"], "; ".join(s["speakers"]) or "—", s["moderator"] or "—"]
                        for s in day.sessions])
            if not content.agenda:
                doc.add_paragraph(_("Belum ada agenda."))
            doc.add_heading(titles[2], level=2)
            t = recap.totals
            doc.add_paragraph(_(
                "Kehadiran luring %(a)s dari %(b)s orang-hari yang diharapkan; kehadiran daring %(c)s dari %(d)s "
                "orang-hari yang terdaftar.") % {"a": t["present_in_person"], "b": t["expected_in_person"],
                                                "c": t["joined_online"], "d": t["expected_online"]})
            keys = ("expected_in_person", "present_in_person", "expected_online", "joined_online")
            doc.add_paragraph(_("Per hari")).runs[0].bold = True
            _table(doc, [_("Hari"), *count_headers()],
                   [[r["label"], *[r[k] for k in keys]] for r in recap.per_day] + [[_("Jumlah"), *[t[k] for k in keys]]])
            doc.add_paragraph(_("Per provinsi")).runs[0].bold = True
            _table(doc, [_("Provinsi"), *count_headers()],
                   [[p["province"] or "—", *[p[k] for k in keys]] for p in recap.per_province])
            doc.add_paragraph(_("Per unit kerja")).runs[0].bold = True
            _table(doc, [_("Unit kerja"), _("Provinsi"), *count_headers()],
                   [[u["unit"], u["province"] or "—", *[u[k] for k in keys]] for u in recap.per_unit])
            doc.add_paragraph(_("Per sesi")).runs[0].bold = True
            _table(doc, [_("Hari"), _("Jam"), _("Sesi"), _("Moda"), _("Di ruang"), _("Daring"), _("Jumlah")],
                   [[s["label"], s["time"], s["title"], s["mode_label"], s["in_room"], s["online"], s["total"]]
                    for s in recap.per_session])
        elif chapter.id == "bab3":
            doc.add_heading(titles[0], level=2)
            for n, m in enumerate(content.minutes, start=1):
                doc.add_paragraph(f"{n}. {m['session'].title} ({m['day_label']})").runs[0].bold = True
                doc.add_paragraph(_("Keputusan")).runs[0].italic = True
                _html_to_docx(doc, m["decisions_html"])
                doc.add_paragraph(_("Tindak lanjut")).runs[0].italic = True
                if m["items"]:
                    _table(doc, [_("No."), _("Tindak lanjut"), _("Unit penanggung jawab"), _("Batas waktu"), _("Status")],
                           [[i["number"], i["what"], i["unit"], i["due"] or "—", i["status"] or "—"] for i in m["items"]])
                else:
                    doc.add_paragraph("—")
            if not content.minutes:
                doc.add_paragraph(_("Belum ada notulen final."))
            doc.add_heading(titles[1], level=2)
            ev = content.evaluation
            if ev:
                doc.add_paragraph(_("%(n)s responden mengisi evaluasi.") % {"n": ev.get("respondents", 0)})
                _table(doc, [_("Aspek"), _("Pertanyaan"), _("Sesi"), _("Rata-rata (1–5)"), _("Jawaban"), *SCALE],
                       [[i.get("aspect"), i.get("question"), i.get("session") or "—", i["mean_label"], i.get("count"),
                         *i["scale_counts"]] for i in ctx["evaluation_items"]])
            else:
                doc.add_paragraph(_("Belum ada hasil evaluasi peserta."))
            doc.add_heading(titles[2], level=2)
            c = content.certificates
            doc.add_paragraph(_("Sertifikat kehadiran diterbitkan: %(n)s.") % {"n": c["issued"]}
                              + (" " + _("Dicabut: %(n)s.") % {"n": c["revoked"]} if c["revoked"] else "")
                              + (" " + _("Dalam proses: %(n)s.") % {"n": c["pending"]} if c["pending"] else ""))
        elif chapter.id == "bab4":
            doc.add_heading(titles[0], level=2)
            _html_to_docx(doc, content.narrative["conclusion"]["html"])
            for text in (f"Jakarta, {ctx['as_of_date']}", _("Panitia Penyelenggara,"), "", "", signer or "………………"):
                doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif chapter.id == "lampiran1":
            for day in content.attendance_lists:
                doc.add_paragraph(_("%(day)s — %(n)s hadir dari %(m)s diharapkan") % {
                    "day": day.day_label, "n": day.row_count, "m": day.expected_total}).runs[0].bold = True
                rows = [[r.number, r.name, r.nip, r.position, r.unit, r.time] for g in day.groups for r in g.rows]
                if rows:
                    _table(doc, [_("No."), _("Nama"), _("NIP"), _("Jabatan"), _("Unit kerja"), _("Jam hadir")], rows)
                else:
                    doc.add_paragraph("—")
        elif chapter.id == "lampiran2":
            for m in content.minutes:
                doc.add_paragraph(f"{_('Notula Rapat')} — {m['session'].title}").runs[0].bold = True
                a = m["attendance"]
                _meta(doc, [(_("Hari/tanggal"), m["day_label"]), (_("Tempat"), m["place"] or "—"),
                            (_("Pimpinan rapat"), m["minutes"].chair_name or "—"),
                            (_("Notulis"), m["minutes"].taker_name or "—"),
                            (_("Peserta"), _("%(total)s orang: %(luring)s luring, %(daring)s daring") % {
                                "total": a.meeting_total, "luring": a.meeting_in_person, "daring": a.meeting_online})])
                for label, key in ((_("Acara"), "agenda_html"), (_("Pembahasan"), "discussion_html"),
                                   (_("Kesimpulan/keputusan"), "decisions_html")):
                    doc.add_paragraph(label).runs[0].italic = True
                    _html_to_docx(doc, m[key])
            if not content.minutes:
                doc.add_paragraph(_("Belum ada notulen final."))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
