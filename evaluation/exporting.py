"""The results as XLSX: the same numbers as the results page (selectors.results), nothing below the smallest
group, open answers as text (never formulas: rakor.exports)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rakor import exports


def results_workbook(data: dict) -> bytes:
    from openpyxl.styles import Font

    wb = exports.new_workbook()
    ws = wb.active
    ws.title = _("Ringkasan")[:31]
    append = exports.xlsx_append
    questionnaire = data["questionnaire"]
    append(ws, [_("Evaluasi %(event)s") % {"event": questionnaire.event.name}])
    ws["A1"].font = Font(bold=True)
    append(ws, [_("Responden"), data["respondents"]])
    if not data["shown"]:
        append(ws, [_("Hasil tampil setelah paling sedikit %(n)d peserta mengisi.") % {"n": data["min_group"]}])
        return exports.xlsx_save(wb)
    append(ws, [])
    header = [_("Aspek"), _("Sesi"), _("Pertanyaan"), _("Jumlah jawaban"), _("Rata-rata"), "1", "2", "3", "4", "5"]
    append(ws, header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for item in data["items"]:
        q = item.question
        append(ws, [str(q.get_aspect_display()), q.session.title if q.session_id else "", q.label, item.count,
                    item.mean, *[item.distribution[s] for s in (1, 2, 3, 4, 5)]])
    for column, width in zip("ABCDEFGHIJ", (20, 36, 60, 10, 10, 6, 6, 6, 6, 6)):
        ws.column_dimensions[column].width = width
    if data["breakdown"]:
        ws2 = wb.create_sheet(_("Per cara hadir")[:31])
        append(ws2, [_("Aspek"), _("Sesi"), _("Pertanyaan")]
               + [f"{m['label']} ({m['respondents']}): " + _("rata-rata") for m in data["modes"]]
               + [f"{m['label']}: " + _("jumlah jawaban") for m in data["modes"]])
        for cell in ws2[1]:
            cell.font = Font(bold=True)
        for item in data["items"]:
            q = item.question
            append(ws2, [str(q.get_aspect_display()), q.session.title if q.session_id else "", q.label]
                   + [r.mean for r in item.by_mode] + [r.count for r in item.by_mode])
    ws3 = wb.create_sheet(_("Jawaban terbuka")[:31])
    append(ws3, [_("Pertanyaan"), _("Jawaban")])
    for cell in ws3[1]:
        cell.font = Font(bold=True)
    for block in data["open"]:
        for text in block["answers"]:
            append(ws3, [block["question"].label, text])
    ws3.column_dimensions["A"].width = 40
    ws3.column_dimensions["B"].width = 100
    return exports.xlsx_save(wb)
