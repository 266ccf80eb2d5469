"""Certificates in bulk without laying out every certificate in WeasyPrint.

A certificate is the template's static design (laid out once by WeasyPrint, kept as a
Form XObject) plus a per-person layer (``fields_html``). WeasyPrint's cost for that layer is
its box machinery, the same for every certificate; what differs per person is only text.
So, per batch:

1. each person's layer is rendered by the design's Django template and parsed into a small
   tree; its *skeleton* (elements, attributes, which elements have text) picks a layout;
2. per skeleton, WeasyPrint lays out ONE person's layer (cached per process). From its boxes
   we keep each text block's content box, alignment and the computed style of every
   element, and the QR code's box. The typesetter (``typeset``) then sets that person's text
   and must reproduce WeasyPrint's line boxes (count, position, width, baseline) within
   0.6 px, or the whole skeleton goes back to WeasyPrint;
3. every person's text is set into those boxes (HarfBuzz shaping, bidi, line breaking),
   and the page is written byte by byte: the static design and the batch's font subsets are
   serialised once and copied into each file; only the page, its content stream and the
   document information are new per file.

A person whose text the typesetter cannot promise to set as WeasyPrint would (an unshipped
font, a break next to a dash, more lines than the box holds, …) gets ``None`` here and is
rendered by ``rendering.render_batch``'s WeasyPrint path. ``rendering`` signs all alike.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from html import escape

from django.template import Context

from . import typeset
from .typeset import TextStyle, Unsupported

log = logging.getLogger("rakor.certificates")

BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "section", "header", "footer"}
INLINE_TAGS = {"strong", "b", "em", "i", "span", "small", "br", "code", "sup", "sub"}
PX = 0.75  # PDF points per CSS px
TOLERANCE = 0.6  # px: how far the typesetter may differ from WeasyPrint's line boxes


# ---------------------------------------------------------------- the per-person layer as a tree

@dataclass
class Node:
    tag: str
    attrs: list
    rk: int
    children: list = field(default_factory=list)  # Node | str

    def skeleton(self) -> tuple:
        has_text = any(isinstance(c, str) and c.strip() for c in self.children)
        return (self.tag, tuple(self.attrs), has_text,
                tuple(c.skeleton() for c in self.children if isinstance(c, Node)))

    def html(self) -> str:
        attrs = "".join(f' {k}="{escape(v or "", quote=True)}"' for k, v in self.attrs)
        inner = "".join(escape(c, quote=False) if isinstance(c, str) else c.html() for c in self.children)
        if self.tag == "br":
            return f'<br{attrs} data-rk="{self.rk}">'
        return f'<{self.tag}{attrs} data-rk="{self.rk}">{inner}</{self.tag}>'


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", [], 0)
        self.stack = [self.root]
        self.count = 0

    def handle_starttag(self, tag, attrs):
        if tag not in BLOCK_TAGS and tag not in INLINE_TAGS:
            raise Unsupported(f"<{tag}>")
        if any(k == "data-rk" for k, _v in attrs):
            raise Unsupported("data-rk attribute")
        self.count += 1
        node = Node(tag, list(attrs), self.count)
        self.stack[-1].children.append(node)
        if tag != "br":
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag != "br":
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "br":
            return
        for n in range(len(self.stack) - 1, 0, -1):
            if self.stack[n].tag == tag:
                del self.stack[n:]
                return
        raise Unsupported(f"</{tag}> without <{tag}>")

    def handle_data(self, data):
        self.stack[-1].children.append(data)

    def handle_comment(self, data):
        pass


def parse_fragment(html: str) -> Node:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.root


def _walk(node: Node):
    yield node
    for child in node.children:
        if isinstance(child, Node):
            yield from _walk(child)


# ---------------------------------------------------------------- what WeasyPrint says about one skeleton

@dataclass
class TextBlock:
    rk: int
    x: float
    y: float
    width: float
    height: float
    auto_height: bool
    align: str
    break_word: bool
    strut: TextStyle
    sample_lines: int
    sample_height: float


@dataclass
class Layout:
    page_width: float  # px
    page_height: float
    blocks: list[TextBlock]
    styles: dict[int, TextStyle]
    qr_slot: tuple | None
    memo: dict = field(default_factory=dict)  # set lines of texts seen before, per block


def _boxes(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _rk(box) -> int | None:
    element = getattr(box, "element", None)
    if element is None:
        return None
    value = element.get("data-rk")
    return int(value) if value else None


def measure(spec, tree: Node, render) -> Layout:
    """Lay out one person's layer with WeasyPrint (``render(html)`` -> document) and read its boxes."""
    from weasyprint.formatting_structure import boxes as wb

    from .rendering import _head

    html = _head(spec, background=False) + '<section class="certificate fields">' \
        + "".join(c.html() if isinstance(c, Node) else escape(c, quote=False) for c in tree.children) \
        + "</section></body></html>"
    document = render(html)
    if len(document.pages) != 1:
        raise Unsupported("the per-person layer is not one page")
    page = document.pages[0]
    page_box = page._page_box
    by_rk: dict[int, object] = {}
    line_boxes: dict[int, list] = {}
    for box in _boxes(page_box):
        tag = getattr(box, "element_tag", "") or ""
        if "::" in tag and not tag.startswith("br::"):
            raise Unsupported(f"generated content ({tag})")
        if not isinstance(box, (wb.PageBox, wb.BlockBox, wb.LineBox, wb.TextBox, wb.InlineBox)):
            raise Unsupported(type(box).__name__)
        rk = _rk(box)
        if rk is None:
            continue
        if isinstance(box, wb.LineBox):
            line_boxes.setdefault(rk, []).append(box)
        elif isinstance(box, (wb.BlockBox, wb.InlineBox)) and rk not in by_rk:
            by_rk[rk] = box
    styles: dict[int, TextStyle] = {}
    blocks: list[TextBlock] = []
    qr_slot = None
    for node in _walk(tree):
        if node is tree:
            continue
        box = by_rk.get(node.rk)
        if box is None:
            raise Unsupported(f"<{node.tag}> has no box (display: none?)")
        classes = dict(node.attrs).get("class") or ""
        if "qr-code" in classes.split() and qr_slot is None:
            if any(isinstance(c, Node) or c.strip() for c in node.children):
                raise Unsupported("the QR code's element is not empty")
            qr_slot = (box.content_box_x(), box.content_box_y(), box.width, box.height)
            continue
        style = box.style
        if style["background_color"].alpha != 0 or any(kind != "none" for kind, *_ in style["background_image"]):
            raise Unsupported("a background on the per-person layer")
        if any(style[f"border_{side}_width"] for side in ("top", "right", "bottom", "left")):
            raise Unsupported("a border on the per-person layer")
        if node.tag == "br":
            continue
        styles[node.rk] = TextStyle.from_computed(style)
        if node.tag in BLOCK_TAGS:
            inline = [c for c in node.children if isinstance(c, str) and c.strip()
                      or isinstance(c, Node) and c.tag in INLINE_TAGS]
            nested = [c for c in node.children if isinstance(c, Node) and c.tag in BLOCK_TAGS]
            if inline and nested:
                raise Unsupported("text beside blocks in one element")
            if nested:
                continue
            for inner in _walk(node):
                if inner is not node and inner.tag in BLOCK_TAGS:
                    raise Unsupported("a block inside an inline element")
            if style["text_indent"].value != 0:
                raise Unsupported("text-indent")
            align = style["text_align_all"]
            if style["text_align_last"] not in ("auto", align):
                raise Unsupported("text-align-last")
            lines = line_boxes.get(node.rk, [])
            blocks.append(TextBlock(
                rk=node.rk, x=box.content_box_x(), y=box.content_box_y(), width=box.width, height=box.height,
                auto_height=style["height"] == "auto", align=align,
                break_word=style["overflow_wrap"] in ("break-word", "anywhere"), strut=styles[node.rk],
                sample_lines=len(lines), sample_height=sum(line.height for line in lines)))
    layout = Layout(page_width=page_box.margin_width(), page_height=page_box.margin_height(), blocks=blocks,
                    styles=styles, qr_slot=qr_slot)
    # The typesetter must find WeasyPrint's own lines for this very text.
    for block in blocks:
        ours = set_block(layout, block, tree)
        theirs = sorted(line_boxes.get(block.rk, []), key=lambda line: line.position_y)
        if len(ours) != len(theirs):
            raise Unsupported(f"line count {len(ours)} != {len(theirs)}")
        for mine, line in zip(ours, theirs):
            differences = (block.x + mine.x - line.position_x, mine.width - line.width,
                           block.y + mine.top - line.position_y, mine.height - line.height,
                           block.y + mine.baseline - line.position_y - line.baseline)
            if max(abs(d) for d in differences) > TOLERANCE:
                raise Unsupported(f"line differs from WeasyPrint's by {differences}")
    return layout


def _find(tree: Node, rk: int) -> Node:
    for node in _walk(tree):
        if node.rk == rk:
            return node
    raise KeyError(rk)


def set_block(layout: Layout, block: TextBlock, tree: Node) -> list[typeset.Line]:
    text = typeset.BlockText()

    def collect(node: Node, style: TextStyle):
        for child in node.children:
            if isinstance(child, str):
                text.add(style, child)
            elif child.tag == "br":
                text.hard_break()
            else:
                collect(child, layout.styles[child.rk])

    collect(_find(tree, block.rk), layout.styles[block.rk])
    # Many people share a block's text (the JP line, fixed wording): set it once per layout.
    key = (block.rk, tuple((id(p[0]), p[1]) if p is not None else None for p in text.pieces))
    lines = layout.memo.get(key)
    if lines is None:
        lines = typeset.set_block(text, block.strut, block.width, block.align, block.break_word)
        if len(layout.memo) > 5000:
            layout.memo.clear()
        layout.memo[key] = lines
    height = sum(line.height for line in lines)
    if block.auto_height:
        if len(lines) != block.sample_lines or abs(height - block.sample_height) > TOLERANCE:
            raise Unsupported("an auto-height block changed height")
    elif height > block.height + TOLERANCE:
        raise Unsupported("the text does not fit its box")
    return lines


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

@dataclass
class Prepared:
    item: dict
    layout: Layout
    blocks: list  # (TextBlock, lines)


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
        """The person's PDF; with ``signer`` (``signing.InlineSigner``) signed in place (PAdES)."""
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
        identifier = hashlib.md5(item["code"].encode()).hexdigest().encode()
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


_layouts: dict[tuple, Layout | None] = {}


def prepare(spec, items: list[dict], compiled, render) -> list[Prepared | None]:
    """Each person's text set into the boxes of their skeleton's layout; None where WeasyPrint must do it.

    A design's own error (its template fails, it asks for a refused URL) is raised for the
    caller to report; anything going wrong in the fast path itself only sends that
    certificate to WeasyPrint, and is logged.
    """
    from .rendering import CertificateTemplateError, _context

    out: list[Prepared | None] = []
    base = (spec.id, hashlib.sha256((spec.css + spec.fields_html + spec.page_size).encode()).hexdigest())
    for item in items:
        try:
            html = compiled.render(Context(_context(spec, item), autoescape=True))
        except Exception as exc:  # a design's runtime error (e.g. a filter misused)
            raise CertificateTemplateError(spec.name, str(exc))
        try:
            tree = parse_fragment(html)
            key = base + (tree.skeleton(),)
            if key not in _layouts:
                if len(_layouts) > 256:
                    _layouts.clear()
                try:
                    _layouts[key] = measure(spec, tree, render)
                except Unsupported as exc:
                    log.info("certificates: template %s laid out by WeasyPrint for this shape (%s)", spec.name, exc)
                    _layouts[key] = None
            layout = _layouts[key]
            if layout is None:
                out.append(None)
                continue
            blocks = [(block, set_block(layout, block, tree)) for block in layout.blocks]
            out.append(Prepared(item=item, layout=layout, blocks=blocks))
        except Unsupported as exc:
            log.debug("certificates: %s laid out by WeasyPrint (%s)", item.get("code"), exc)
            out.append(None)
        except CertificateTemplateError:
            raise
        except Exception:
            log.exception("certificates: fast path failed for %s; WeasyPrint lays it out", item.get("code"))
            out.append(None)
    return out
