"""The fast path's files: each person's PDF written byte by byte, and signed in place.

The static design (laid out once by WeasyPrint) becomes a Form XObject and, with the batch's
font subsets (HarfBuzz, with ToUnicode maps so that text can be copied and searched), is
serialised once per batch and copied into every file; only the page, its content stream (the
person's text and QR code), the document information and the signature are new per file.
Copying the design's objects reads pypdf's ``StreamObject._data``: one of the internals that
``versions.py`` pins.
"""

from __future__ import annotations

import hashlib
import io
import zlib

from ..design import qr_matrix
from . import typeset
from .layout import PX, Prepared, TextBlock
from .signer import inline_signer

# ---------------------------------------------------------------- fonts: one subset per batch

def _font_info(filename: str) -> dict:
    info = _FONT_INFO.get(filename)
    if info is None:
        from fontTools.ttLib import TTFont

        font = TTFont(str(typeset.face(filename).path), lazy=True)
        upem = font["head"].unitsPerEm
        scale = 1000 / upem
        os2 = font["OS/2"] if "OS/2" in font else None
        info = {
            "name": "-".join(part.replace(" ", "-") for part in (
                font["name"].getDebugName(1), font["name"].getDebugName(2)) if part and part not in ("Regular", "Book")),
            "bbox": [round(v * scale) for v in (font["head"].xMin, font["head"].yMin, font["head"].xMax,
                                                font["head"].yMax)],
            "ascent": round(font["hhea"].ascent * scale), "descent": round(font["hhea"].descent * scale),
            "cap": round((getattr(os2, "sCapHeight", 0) or font["hhea"].ascent) * scale),
            "italic": float(font["post"].italicAngle),
        }
        _FONT_INFO[filename] = info
    return info


_FONT_INFO: dict[str, dict] = {}


def _pdf_string(text: str) -> bytes:
    try:
        raw = text.encode("ascii")
        if all(32 <= b < 127 for b in raw):
            return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    except UnicodeEncodeError:
        pass
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _num(value: float) -> bytes:
    """A PDF real as exact as WeasyPrint wrote it (the QR and text are placed against it)."""
    return (b"%.5f" % value).rstrip(b"0").rstrip(b".")


def _stream(dictionary: bytes, data: bytes, compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data, 6)
        dictionary += b"/Filter/FlateDecode"
    return b"<<" + dictionary + b"/Length %d>>\nstream\n" % len(data) + data + b"\nendstream"


def _font_objects(filename: str, used: dict[int, str], first: int) -> list[bytes]:
    """Type0 font, CIDFont, descriptor, subset font file and ToUnicode CMap, numbered from ``first``."""
    import uharfbuzz as hb

    f = typeset.face(filename)
    info = _font_info(filename)
    gids = sorted(set(used) | {0})
    subset_input = hb.SubsetInput()
    for gid in gids:
        subset_input.glyph_set.add(gid)
    subset_input.flags = hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.NO_HINTING
    drop = subset_input.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in ("GSUB", "GPOS", "GDEF", "kern", "BASE", "JSTF", "MATH", "DSIG"):
        drop.add(hb.ot_tag_from_string(tag) if hasattr(hb, "ot_tag_from_string") else
                 int.from_bytes(tag.encode(), "big"))
    program = hb.subset(f.face, subset_input).blob.data
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(repr(gids).encode()).digest()[:6])
    name = f"{tag}+{info['name']}".encode()
    widths = b" ".join(b"%d[%d]" % (gid, round(f.advance(gid) * 1000 / f.upem)) for gid in gids)
    cmap_entries = [(gid, text) for gid, text in sorted(used.items()) if text]
    chunks = []
    for n in range(0, len(cmap_entries), 100):
        part = cmap_entries[n:n + 100]
        chunks.append(b"%d beginbfchar\n" % len(part) + b"".join(
            b"<%04X> <%s>\n" % (gid, text.encode("utf-16-be").hex().upper().encode()) for gid, text in part)
            + b"endbfchar\n")
    cmap = (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo<</Registry(Adobe)"
            b"/Ordering(UCS)/Supplement 0>>def\n/CMapName/Adobe-Identity-UCS def\n/CMapType 2 def\n"
            b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + b"".join(chunks)
            + b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    cid, descriptor, program_ref, tounicode = first + 1, first + 2, first + 3, first + 4  # Type0 is `first`
    bbox = b" ".join(b"%d" % v for v in info["bbox"])
    return [
        b"<</Type/Font/Subtype/Type0/BaseFont/%s/Encoding/Identity-H/DescendantFonts[%d 0 R]/ToUnicode %d 0 R>>"
        % (name, cid, tounicode),
        b"<</Type/Font/Subtype/CIDFontType2/BaseFont/%s/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)"
        b"/Supplement 0>>/FontDescriptor %d 0 R/CIDToGIDMap/Identity/DW 1000/W[%s]>>" % (name, descriptor, widths),
        b"<</Type/FontDescriptor/FontName/%s/Flags 4/FontBBox[%s]/ItalicAngle %s/Ascent %d/Descent %d"
        b"/CapHeight %d/StemV 80/FontFile2 %d 0 R>>" % (name, bbox, b"%g" % info["italic"], info["ascent"],
                                                         info["descent"], info["cap"], program_ref),
        _stream(b"/Length1 %d" % len(program), program),
        _stream(b"", cmap),
    ]


# ---------------------------------------------------------------- the static design as reusable objects

def static_objects(static_pdf: bytes) -> tuple[list[bytes], list[float]]:
    """The static page as a Form XObject (object 1) and what it uses, renumbered 1..n, serialised."""
    from pypdf import PdfReader
    from pypdf.generic import (ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject)

    reader = PdfReader(io.BytesIO(static_pdf))
    page = reader.pages[0]
    box = [float(v) for v in page.mediabox]
    numbers: dict[int, int] = {}
    order: list = []

    def number(ref) -> int:
        key = ref.idnum
        if key not in numbers:
            numbers[key] = len(numbers) + 2  # 1 is the form itself
            order.append(ref)
        return numbers[key]

    def remap(obj):
        if isinstance(obj, IndirectObject):
            return IndirectObject(number(obj), 0, None)
        if isinstance(obj, StreamObject):
            copy = StreamObject()
            copy._data = obj._data
            for key, value in obj.items():
                copy[NameObject(key)] = remap(value)
            return copy
        if isinstance(obj, DictionaryObject):
            return DictionaryObject({NameObject(k): remap(v) for k, v in obj.items()})
        if isinstance(obj, ArrayObject):
            return ArrayObject([remap(v) for v in obj])
        return obj

    def dump(obj) -> bytes:
        buffer = io.BytesIO()
        obj.write_to_stream(buffer)
        return buffer.getvalue()

    content = page.get_contents().get_data()
    resources = remap(page["/Resources"].get_object())
    form = dump(resources)
    objects = [_stream(b"/Type/XObject/Subtype/Form/BBox[%s]/Resources %s" % (
        b" ".join(_num(v) for v in box), form), content)]
    done = 0
    while done < len(order):
        ref = order[done]
        objects.append(dump(remap(ref.get_object())))
        done += 1
    return objects, box


# ---------------------------------------------------------------- per person: text, QR, file

class BatchWriter:
    """Writes one PDF per prepared person, sharing the static design and the batch's font subsets."""

    def __init__(self, static: tuple[list[bytes], list[float]], prepared: list[Prepared]):
        self.static_objects, self.box = static
        used: dict[str, dict[int, str]] = {}
        for person in prepared:
            for _block, lines in person.blocks:
                for line in lines:
                    for glyph in line.glyphs:
                        used.setdefault(glyph.font, {}).setdefault(glyph.gid, glyph.text)
        self.font_names: dict[str, bytes] = {}
        fonts = []
        pool = list(self.static_objects)
        for index, (filename, glyphs) in enumerate(sorted(used.items())):
            first = len(pool) + 1
            self.font_names[filename] = b"RkF%d" % index
            fonts.append(b"/RkF%d %d 0 R" % (index, first))
            pool.extend(_font_objects(filename, glyphs, first))
        self.font_resources = b"".join(fonts)
        self.pool = pool
        # the shared objects as one block of bytes, and their offsets relative to it
        header = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        blob = io.BytesIO()
        blob.write(header)
        self.offsets = []
        for number, data in enumerate(pool, start=1):
            self.offsets.append(blob.tell())
            blob.write(b"%d 0 obj\n" % number + data + b"\nendobj\n")
        self.shared = blob.getvalue()

    def write(self, person: Prepared, qr: bytes, signer=None) -> bytes:
        """The person's PDF; with ``signer`` (``signer.InlineSigner``) signed in place (PAdES)."""
        width_pt, height_pt = self.box[2] - self.box[0], self.box[3] - self.box[1]
        content = [b"q /RkStatic Do Q\n"]
        for block, lines in person.blocks:
            content.append(_text_ops(block, lines, height_pt, self.font_names))
        content.append(qr)
        stream = b"".join(content)
        n = len(self.pool)
        catalog, pages, page, contents, info, form, widget, signature = range(n + 1, n + 9)
        item = person.item
        signed = signer is not None
        objects = [
            b"<</Type/Catalog/Pages %d 0 R%s>>" % (pages, b"/AcroForm %d 0 R/Extensions<</ESIC<</Type"
                                                   b"/DeveloperExtensions/BaseVersion/1.7/ExtensionLevel 1>>>>"
                                                   % form if signed else b""),
            b"<</Type/Pages/Kids[%d 0 R]/Count 1>>" % page,
            b"<</Type/Page/Parent %d 0 R/MediaBox[0 0 %s %s]/Resources<</XObject<</RkStatic 1 0 R>>/Font<<%s>>"
            b"/ProcSet[/PDF/Text]>>/Contents %d 0 R%s>>" % (
                pages, _num(width_pt), _num(height_pt), self.font_resources, contents,
                b"/Annots[%d 0 R]" % widget if signed else b""),
            _stream(b"", stream),
            b"<</Title%s/Subject%s/Creator(Rakor)/Producer(Rakor)>>" % (
                _pdf_string(f"Sertifikat {item['number']}"), _pdf_string(item.get("event_name", ""))),
        ]
        if signed:
            objects += [
                b"<</Fields[%d 0 R]/SigFlags 3>>" % widget,
                b"<</FT/Sig/T%s/Type/Annot/Subtype/Widget/F 132/Rect[0 0 0 0]/P %d 0 R/V %d 0 R>>"
                % (signer.field_name, page, signature),
                signer.signature_dictionary(),
            ]
        out = bytearray(self.shared)
        offsets = list(self.offsets)
        for number, data in enumerate(objects, start=n + 1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + data + b"\nendobj\n"
        xref = len(out)
        size = len(offsets) + 1
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        # The trailer's /ID only names the file (PDF 1.7, 14.4): not a security use of MD5.
        identifier = hashlib.md5(item["code"].encode(), usedforsecurity=False).hexdigest().encode()
        out += (b"trailer\n<</Size %d/Root %d 0 R/Info %d 0 R/ID[<%s><%s>]>>\nstartxref\n%d\n%%%%EOF\n"
                % (size, catalog, info, identifier, identifier, xref))
        if signed:
            signer.sign(out, out.rindex(b"/Contents<", offsets[-1]) + len(b"/Contents"))
        return bytes(out)


def _text_ops(block: TextBlock, lines, page_height_pt: float, font_names: dict[str, bytes]) -> bytes:
    """BT … ET drawing the block's lines: one TJ per run of glyphs on the baseline, marks placed alone."""
    ops = [b"BT\n"]
    current = (None, None, None)
    for line in lines:
        baseline_pt = page_height_pt - (block.y + line.baseline) * PX
        origin = block.x + line.x
        glyphs = line.glyphs
        i = 0
        while i < len(glyphs):
            g = glyphs[i]
            font_key = (g.font, g.style.size)
            if current[0] != font_key:
                ops.append(b"/%s %.4f Tf\n" % (font_names[g.font], g.style.size * PX))
                current = (font_key, current[1], None)
            if current[1] != g.style.color:
                ops.append(b"%s rg\n" % b" ".join(b"%.4f" % c for c in g.style.color))
                current = (current[0], g.style.color, None)
            if g.dx or g.dy:
                ops.append(b"1 0 0 1 %.3f %.3f Tm <%04X> Tj\n" % ((origin + g.x + g.dx) * PX,
                                                                  baseline_pt + g.dy * PX, g.gid))
                i += 1
                continue
            # a run of glyphs with the same font and colour on the baseline
            ops.append(b"1 0 0 1 %.3f %.3f Tm [" % ((origin + g.x) * PX, baseline_pt))
            pen = g.x
            size = g.style.size
            face = typeset.face(g.font)
            parts = []
            while i < len(glyphs):
                h = glyphs[i]
                if h.dx or h.dy or (h.font, h.style.size) != font_key or h.style.color != g.style.color:
                    break
                adjust = (pen - h.x) * 1000 / size
                if abs(adjust) > 0.01:
                    parts.append(b"%.2f" % adjust)
                parts.append(b"<%04X>" % h.gid)
                pen = h.x + face.advance(h.gid) * size / face.upem
                i += 1
            ops.append(b"".join(parts) + b"] TJ\n")
    ops.append(b"ET\n")
    return b"".join(ops)


def qr_ops(url: str, slot, page_height_pt: float) -> bytes:
    """PDF drawing operators for the QR code of ``url`` filling ``slot`` (dark runs as rectangles).

    ``slot`` is (x, y, width, height) in CSS px; the code is as large as fits, from the top-left
    corner (where the stock path's image goes).
    """
    x_px, y_px, w_px, h_px = slot
    matrix = qr_matrix(url).matrix
    n = len(matrix)
    size = min(w_px, h_px) * PX
    module = size / n
    left = x_px * PX
    top = page_height_pt - y_px * PX
    ops = ["q 0 0 0 rg"]
    for r, row in enumerate(matrix):
        y = top - (r + 1) * module
        c = 0
        while c < n:
            if row[c] & 1:
                start = c
                while c < n and row[c] & 1:
                    c += 1
                ops.append(f"{left + start * module:.3f} {y:.3f} {(c - start) * module:.3f} {module + 0.02:.3f} re")
            else:
                c += 1
    ops.append("f Q")
    return ("\n".join(ops) + "\n").encode()


_static_objects: dict[str, tuple] = {}


def write_batch(static_pdf: bytes, ready: list[Prepared], sign: bool) -> dict[str, bytes]:
    """code -> PDF for each prepared person, signed in place when ``sign`` and a signer is configured."""
    key = hashlib.sha256(static_pdf).hexdigest()
    static = _static_objects.get(key)
    if static is None:
        if len(_static_objects) > 16:
            _static_objects.clear()
        static = _static_objects[key] = static_objects(static_pdf)
    writer = BatchWriter(static, ready)
    signer = inline_signer() if sign else None
    height_pt = static[1][3] - static[1][1]
    done = {}
    for person in ready:
        slot = person.layout.qr_slot
        qr = qr_ops(person.item["verify_url"], slot, height_pt) if slot and person.item.get("verify_url") else b""
        done[person.item["code"]] = writer.write(person, qr, signer)
    return done
