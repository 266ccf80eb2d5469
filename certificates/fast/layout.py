"""The fast path's layout: each person's layer set into the boxes WeasyPrint found once per shape.

A certificate is the template's static design (laid out once by WeasyPrint) plus a per-person
layer (``fields_html``). WeasyPrint's cost for that layer is its box machinery, the same for
every certificate; what differs per person is only text. So, per batch:

1. each person's layer is rendered by the design's Django template and parsed into a small
   tree; its *skeleton* (elements, attributes, which elements have text) picks a layout;
2. per skeleton, WeasyPrint lays out ONE person's layer (cached per process). From its boxes
   we keep each text block's content box, alignment and the computed style of every
   element, and the QR code's box. The typesetter (``typeset``) then sets that person's text
   and must reproduce WeasyPrint's line boxes (count, position, width, baseline) within
   0.6 px, or the whole skeleton goes back to the stock path;
3. every person's text is set into those boxes (HarfBuzz shaping, bidi, line breaking);
   ``writer`` then writes each file.

Reading the boxes uses WeasyPrint's internals (``Page._page_box``, box attributes, computed
styles): this is why the fast path runs only with the versions in ``versions.py``.

A person whose text the typesetter cannot promise to set as WeasyPrint would (an unshipped
font, a break next to a dash, more lines than the box holds, …) gets ``None`` here and is
rendered by the stock path (``rendering.render_batch_weasyprint``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

from ..design import CertificateTemplateError, TemplateSpec, head, render_source
from ..documents import laid_out
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


def measure(spec: TemplateSpec, tree: Node) -> Layout:
    """Lay out one person's layer with WeasyPrint and read its boxes."""
    from weasyprint.formatting_structure import boxes as wb

    html = head(spec, background=False) + '<section class="certificate fields">' \
        + "".join(c.html() if isinstance(c, Node) else escape(c, quote=False) for c in tree.children) \
        + "</section></body></html>"
    document = laid_out(spec, html)
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


@dataclass
class Prepared:
    """One person's text set into their layout, ready for ``writer.BatchWriter``."""

    item: dict
    layout: Layout
    blocks: list  # (TextBlock, lines)


_layouts: dict[tuple, Layout | None] = {}


def prepare(spec: TemplateSpec, items: list[dict], compiled) -> list[Prepared | None]:
    """Each person's text set into the boxes of their skeleton's layout; None where the stock path must do it.

    A design's own error (its template fails, it asks for a refused URL) is raised for the
    caller to report; anything going wrong in the fast path itself only sends that
    certificate to the stock path, and is logged.
    """
    out: list[Prepared | None] = []
    base = (spec.id, hashlib.sha256((spec.css + spec.fields_html + spec.page_size).encode()).hexdigest())
    for item in items:
        html = render_source(spec, compiled, item)
        try:
            tree = parse_fragment(html)
            key = base + (tree.skeleton(),)
            if key not in _layouts:
                if len(_layouts) > 256:
                    _layouts.clear()
                try:
                    _layouts[key] = measure(spec, tree)
                except Unsupported as exc:
                    log.info("certificates: template %s goes to the stock path for this shape (%s)", spec.name, exc)
                    _layouts[key] = None
            layout = _layouts[key]
            if layout is None:
                out.append(None)
                continue
            blocks = [(block, set_block(layout, block, tree)) for block in layout.blocks]
            out.append(Prepared(item=item, layout=layout, blocks=blocks))
        except Unsupported as exc:
            log.debug("certificates: %s goes to the stock path (%s)", item.get("code"), exc)
            out.append(None)
        except CertificateTemplateError:
            raise
        except Exception:
            log.exception("certificates: fast path failed for %s; the stock path renders it", item.get("code"))
            out.append(None)
    return out
