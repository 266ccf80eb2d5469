"""A small typesetter for the per-person text of certificates (HarfBuzz shaping, CSS line boxes).

WeasyPrint lays out a certificate's per-person layer once per *shape* of that layer (which
elements, which classes: ``skeleton``); this module then sets each person's own text into the
boxes WeasyPrint found, in the fonts the project ships, the way WeasyPrint and Pango would:

- fonts chosen per character along the CSS ``font-family`` list, honouring the
  ``unicode-range`` of the project's ``@font-face`` rules (Arabic script in Noto Naskh
  Arabic, everything else in DejaVu); a character no listed font of ours has, a generic
  family reached first, or a weight we do not ship makes the text *unsupported*;
- Unicode bidi levels (python-bidi's implementation of UAX #9) and HarfBuzz shaping per
  run (Arabic joining, marks, kerning);
- greedy line breaking at spaces (and inside a word when ``overflow-wrap`` allows it);
  a word that Pango might break elsewhere (dashes, slashes, CJK) makes the text unsupported;
- CSS line boxes: each run's half-leading from its font's ascent and descent, the block's
  strut, ``line-height`` normal, a number or a length; alignment left, right or centre.

Anything this cannot promise to set as WeasyPrint would raises :class:`Unsupported`, and
the caller lays that certificate out with WeasyPrint instead. Units are CSS px (1/96 in)
with y growing downwards, as in WeasyPrint's boxes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings


class Unsupported(Exception):
    """This text or style is not one the fast path sets exactly like WeasyPrint."""


ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))

# family -> ((min weight, file, unicode ranges or None), ...): the @font-face rules of
# design.head, which is where WeasyPrint gets the same files.
FAMILIES = {
    "dejavu sans": ((400, "DejaVuSans.ttf", None), (700, "DejaVuSans-Bold.ttf", None)),
    "dejavu sans mono": ((400, "DejaVuSansMono.ttf", None),),
    "noto naskh arabic": ((400, "NotoNaskhArabic-Regular.ttf", ARABIC_RANGES),
                          (700, "NotoNaskhArabic-Bold.ttf", ARABIC_RANGES)),
}

# Characters around which Pango (UAX #14) may break a line where we would not.
RISKY_CATEGORIES = {"Pd", "Zl", "Zp", "Cf"}
RISKY_CHARS = set("/?!%\u00ad\u200b\u2010\u2011\u2012\u2013\u2014\u2015\u2027\u2e3a\u2e3b")


def fonts_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "rakor" / "fonts"


class Face:
    """One font file: HarfBuzz face and font at its design units, metrics in em."""

    def __init__(self, filename: str):
        import uharfbuzz as hb

        self.filename = filename
        self.path = fonts_dir() / filename
        self.data = self.path.read_bytes()
        self.blob = hb.Blob(self.data)
        self.face = hb.Face(self.blob)
        self.font = hb.Font(self.face)
        self.upem = self.face.upem
        self.font.scale = (self.upem, self.upem)
        extents = self.font.get_font_extents("ltr")
        self.ascent = extents.ascender / self.upem
        self.descent = -extents.descender / self.upem
        self._has: dict[int, bool] = {}

    def has(self, char: str) -> bool:
        code = ord(char)
        known = self._has.get(code)
        if known is None:
            known = self._has[code] = self.font.get_nominal_glyph(code) is not None
        return known

    def advance(self, gid: int) -> int:
        return self.font.get_glyph_h_advance(gid)


@lru_cache(maxsize=None)
def face(filename: str) -> Face:
    return Face(filename)


def _in_ranges(code: int, ranges) -> bool:
    return ranges is None or any(lo <= code <= hi for lo, hi in ranges)


def _pick(family: str, weight: int):
    """(file, ranges) of ``family`` at ``weight``; Unsupported when we do not ship that face."""
    faces = FAMILIES.get(family.lower())
    if faces is None:
        raise Unsupported(f"font family {family!r}")
    bold = weight >= 600
    for min_weight, filename, ranges in faces:
        if (min_weight >= 600) == bold:
            return filename, ranges
    raise Unsupported(f"{family} at weight {weight}")


@dataclass(frozen=True)
class TextStyle:
    """What of a computed CSS style the typesetter uses."""

    families: tuple[str, ...]
    weight: int
    size: float  # px
    color: tuple[float, float, float]
    line_height: tuple[str, float]  # ("normal", 0) | ("number", n) | ("px", value)

    @classmethod
    def from_computed(cls, style) -> "TextStyle":
        checks = {"font_style": "normal", "letter_spacing": "normal", "word_spacing": 0, "text_transform": "none",
                  "vertical_align": "baseline", "white_space": "normal", "font_variant_ligatures": "normal",
                  "font_feature_settings": "normal", "font_variant_caps": "normal", "font_kerning": "auto",
                  "font_stretch": "normal", "unicode_bidi": "normal", "direction": "ltr", "word_break": "normal",
                  "font_variant_position": "normal", "font_language_override": "normal"}
        for key, expected in checks.items():
            if style[key] != expected:
                raise Unsupported(f"{key}: {style[key]}")
        if style["text_decoration_line"] not in ("none", None, frozenset()):
            raise Unsupported("text-decoration")
        color = style["color"]
        if color.alpha != 1:
            raise Unsupported("transparent text")
        rgb = tuple(float(c) for c in color.to("srgb").coordinates)
        line_height = style["line_height"]
        if line_height == "normal":
            lh = ("normal", 0.0)
        elif isinstance(line_height, (int, float)):
            lh = ("number", float(line_height))
        elif getattr(line_height, "unit", None) == "px":
            lh = ("px", float(line_height.value))
        else:
            raise Unsupported(f"line-height {line_height}")
        weight = int(style["font_weight"])
        families = tuple(style["font_family"])
        for family in families:  # every family up to a generic one must be ours
            if family.lower() not in FAMILIES:
                break
            _pick(family, weight)
        return cls(families=families, weight=weight, size=float(style["font_size"]), color=rgb, line_height=lh)

    def __post_init__(self):
        object.__setattr__(self, "_fonts", {})
        object.__setattr__(self, "_boxes", {})

    def face_for(self, char: str) -> str:
        found = self._fonts.get(char)
        if found is None:
            found = self._fonts[char] = self._face_for(char)
        return found

    def _face_for(self, char: str) -> str:
        code = ord(char)
        for family in self.families:
            filename, ranges = _pick(family, self.weight)
            if _in_ranges(code, ranges) and face(filename).has(char):
                return filename
        raise Unsupported(f"no shipped font has U+{code:04X}")

    def first_available(self) -> str:
        """CSS's first available font: the first family whose ranges include the space."""
        for family in self.families:
            filename, ranges = _pick(family, self.weight)
            if _in_ranges(0x20, ranges):
                return filename
        raise Unsupported("no first available font")

    def half_leading_box(self, filename: str) -> tuple[float, float]:
        """(A', D'): the inline box's extent above and below the baseline (CSS 2.1 §10.8.1)."""
        known = self._boxes.get(filename)
        if known is None:
            known = self._boxes[filename] = self._half_leading_box(filename)
        return known

    def _half_leading_box(self, filename: str) -> tuple[float, float]:
        f = face(filename)
        content = (f.ascent + f.descent) * self.size
        kind, value = self.line_height
        leading_total = content if kind == "normal" else (value * self.size if kind == "number" else value)
        above = f.ascent * self.size + (leading_total - content) / 2
        return above, leading_total - above


@dataclass(slots=True)
class Glyph:
    gid: int
    x: float  # px from the line's start
    dx: float  # offsets in px (y upwards, as HarfBuzz)
    dy: float
    font: str
    style: TextStyle
    text: str = ""  # the characters this glyph stands for (ToUnicode), "" for a cluster's later glyphs


@dataclass
class Line:
    glyphs: list[Glyph]
    width: float
    top: float  # px from the block's content top
    height: float
    baseline: float  # px from the block's content top
    x: float = 0.0  # start offset inside the block, set by alignment


@dataclass
class BlockText:
    """A block's inline content: (style, text) pieces and hard breaks (None)."""

    pieces: list = field(default_factory=list)

    def add(self, style: TextStyle, text: str) -> None:
        self.pieces.append((style, text))

    def hard_break(self) -> None:
        self.pieces.append(None)


def _collapse(pieces) -> list:
    """white-space: normal: runs of whitespace become one space; none at the start or end of a line."""
    out: list = []
    previous_space = True
    for piece in pieces:
        if piece is None:
            if out and out[-1] is not None:
                style, text = out[-1]
                out[-1] = (style, text.rstrip(" "))
            out.append(None)
            previous_space = True
            continue
        style, text = piece
        chars = []
        for ch in text:
            if ch in " \t\n\r\f":
                if not previous_space:
                    chars.append(" ")
                previous_space = True
            else:
                chars.append(ch)
                previous_space = False
        out.append((style, "".join(chars)))
    if out and out[-1] is not None:
        style, text = out[-1]
        out[-1] = (style, text.rstrip(" "))
    return out


def _levels(text: str) -> list[int]:
    """Bidi embedding level per character, paragraph direction LTR (CSS direction: ltr)."""
    if not any(unicodedata.bidirectional(ch) in ("R", "AL", "AN", "RLE", "RLO", "RLI", "FSI") for ch in text):
        return [0] * len(text)
    from bidi import algorithm

    storage = algorithm.get_empty_storage()
    storage["base_level"] = 0
    storage["base_dir"] = "L"
    algorithm.get_embedding_levels(text, storage)
    algorithm.explicit_embed_and_overrides(storage, False)
    algorithm.resolve_weak_types(storage, False)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    levels = [c["level"] for c in storage["chars"]]
    if len(levels) != len(text):
        raise Unsupported("bidi levels")
    return levels


@dataclass(slots=True)
class _Char:
    ch: str
    style: TextStyle
    font: str
    level: int
    category: str
    advance: float = 0.0
    texts: list = field(default_factory=list)  # per glyph: the characters it stands for
    glyphs: list = field(default_factory=list)  # (gid, advance px, dx, dy) in visual order within the cluster


def _shape_paragraph(pieces) -> list[_Char]:
    import uharfbuzz as hb

    text = "".join(p[1] for p in pieces)
    levels = _levels(text)
    # Font per character, as Pango itemizes: a space (or a format character) never chooses a
    # font; it keeps the font of the text before it in the same item (same style and bidi
    # level), or takes the one after it. A mark stays with its base's font when that has it.
    chars: list[_Char] = []
    previous = None
    for style, piece in pieces:
        for ch in piece:
            cat = unicodedata.category(ch)
            if cat in ("Cc", "Cs", "Co", "Cn"):
                raise Unsupported(f"character U+{ord(ch):04X}")
            c = _Char(ch, style, "", levels[len(chars)], cat)
            if not _no_font_choice(ch, cat):
                if cat[0] == "M" and previous is not None and previous.font and face(previous.font).has(ch):
                    c.font = previous.font
                else:
                    c.font = style.face_for(ch)
            chars.append(c)
            previous = c
    for n, c in enumerate(chars):
        if c.font:
            continue
        previous = chars[n - 1] if n else None
        if previous is not None and previous.style is c.style and previous.level == c.level \
                and face(previous.font).has(c.ch):
            c.font = previous.font
            continue
        after = None
        for m in range(n + 1, len(chars)):
            if chars[m].style is not c.style or chars[m].level != c.level:
                break
            if chars[m].font and not _no_font_choice(chars[m].ch, chars[m].category):
                after = chars[m].font
                break
        c.font = after if after and face(after).has(c.ch) else c.style.face_for(c.ch)
    # runs of the same style, font and level, shaped as one HarfBuzz buffer
    start = 0
    while start < len(chars):
        end = start + 1
        first = chars[start]
        while end < len(chars) and chars[end].style is first.style and chars[end].font == first.font \
                and chars[end].level == first.level:
            end += 1
        f = face(first.font)
        buf = hb.Buffer()
        buf.add_str("".join(c.ch for c in chars[start:end]))
        buf.direction = "rtl" if first.level % 2 else "ltr"
        buf.guess_segment_properties()
        hb.shape(f.font, buf, {"kern": True, "liga": True})
        scale = first.style.size / f.upem
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
            if info.codepoint == 0:  # .notdef: the font cannot draw it after all
                raise Unsupported("a character shaped to no glyph")
            # cluster = UTF-32 index into the run (add_str counts code points)
            target = chars[start + info.cluster]
            advance = pos.x_advance * scale
            target.glyphs.append((info.codepoint, advance, pos.x_offset * scale, pos.y_offset * scale))
            target.advance += advance
        # What each glyph stands for (the PDF's ToUnicode map is per glyph, for the whole batch): a
        # glyph that is a character's own (nominal) glyph stands for that character; the cluster's
        # other characters go to its first glyph that has none (ligatures, precomposed forms).
        owners = [c for c in chars[start:end] if c.glyphs]
        bounds = [n for n, c in enumerate(chars[start:end], start) if c.glyphs] + [end]
        for c, (first_index, next_index) in zip(owners, zip(bounds, bounds[1:])):
            if next_index == first_index + 1 and len(c.glyphs) == 1:
                c.texts = [c.ch]
                continue
            members = [m.ch for m in chars[first_index:next_index]]
            texts = [""] * len(c.glyphs)
            left = list(members)
            for n, glyph in enumerate(c.glyphs):
                for ch in left:
                    if f.font.get_nominal_glyph(ord(ch)) == glyph[0]:
                        texts[n] = ch
                        left.remove(ch)
                        break
            if left:
                _share_out(left, c.glyphs, texts, f)
            c.texts = texts
        start = end
    return chars


def _share_out(left: list[str], glyphs: list, texts: list[str], f: Face) -> None:
    """Give a cluster's characters that have no nominal glyph to its glyphs without text.

    Base letters go to base glyphs and marks to mark glyphs (the font's GDEF classes), e.g.
    Arabic meem + fatha + shadda shaped as a medial meem and one glyph for both marks.
    """
    free = [k for k, t in enumerate(texts) if not t] or [0]
    mark_glyphs = [k for k in free if f.face.get_layout_glyph_class(glyphs[k][0]) == 3]
    base_glyphs = [k for k in free if k not in mark_glyphs] or free
    bases = [ch for ch in left if not unicodedata.category(ch).startswith("M")]
    marks = [ch for ch in left if unicodedata.category(ch).startswith("M")]
    for group, slots in ((bases, base_glyphs), (marks, mark_glyphs or base_glyphs)):
        for n, ch in enumerate(group):
            texts[slots[min(n, len(slots) - 1)]] += ch


def _no_font_choice(ch: str, category: str) -> bool:
    """Characters Pango never picks a font for (pango itemize.c): spaces, format characters, selectors."""
    code = ord(ch)
    return (category == "Zs" and code != 0x1680) or (category == "Cf" and not 0x600 <= code <= 0x6FF) \
        or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _risky(word: list[_Char]) -> bool:
    for c in word:
        if c.ch in RISKY_CHARS or unicodedata.category(c.ch) in RISKY_CATEGORIES:
            return True
        if unicodedata.east_asian_width(c.ch) in ("W", "F"):
            return True
    return False


def _break_lines(chars: list[_Char], hard: list[int], width: float, break_word: bool) -> list[tuple[int, int]]:
    """(start, end) character ranges of lines, greedy at spaces; trailing spaces are not in the range."""

    def measure(a: int, b: int) -> float:
        return sum(c.advance for c in chars[a:b])

    lines: list[tuple[int, int]] = []
    bounds = [0] + hard + [len(chars)]
    for seg_start, seg_end in zip(bounds, bounds[1:]):
        words = []  # (word start, word end, end of the spaces after it)
        i = seg_start
        while i < seg_end:
            j = i
            while j < seg_end and chars[j].ch != " ":
                j += 1
            k = j
            while k < seg_end and chars[k].ch == " ":
                k += 1
            words.append((i, j, k))
            i = k
        current = None  # start of the line being filled
        end, filled, spaces = seg_start, 0.0, 0.0
        for w_start, w_end, s_end in words:
            w_width = measure(w_start, w_end)
            if current is not None and filled + spaces + w_width > width + 0.01:
                if _risky(chars[w_start:w_end]):
                    raise Unsupported("a line break next to a dash, slash or similar")
                lines.append((current, end))
                current = None
            if current is None:
                current, filled = w_start, w_width
                if w_width > width + 0.01:
                    if _risky(chars[w_start:w_end]):
                        raise Unsupported("an overlong word with a dash, slash or similar")
                    if break_word:  # overflow-wrap: break-word / anywhere: cut between characters
                        filled = 0.0
                        for n in range(w_start, w_end):
                            c = chars[n]
                            if n > current and filled + c.advance > width + 0.01 \
                                    and not unicodedata.category(c.ch).startswith("M"):
                                lines.append((current, n))
                                current, filled = n, 0.0
                            filled += c.advance
            else:
                filled += spaces + w_width
            end, spaces = w_end, measure(w_end, s_end)
        lines.append((current if current is not None else seg_start, end))
    return lines


def _visual_order(chars: list[_Char], start: int, end: int) -> list[int]:
    """Character indexes of a line in visual order (UAX #9 rule L2)."""
    order = list(range(start, end))
    if not order:
        return order
    levels = [chars[i].level for i in order]
    highest = max(levels)
    lowest_odd = min((lv for lv in levels if lv % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if chars[order[i]].level >= level:
                j = i
                while j < len(order) and chars[order[j]].level >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order


def set_block(block: BlockText, strut: TextStyle, width: float, align: str, break_word: bool) -> list[Line]:
    """The block's lines, positioned in its content box (x from its left, y from its top)."""
    pieces = [p for p in _collapse(block.pieces)]
    hard: list[int] = []
    flat: list = []
    count = 0
    for piece in pieces:
        if piece is None:
            hard.append(count)
        elif piece[1]:
            flat.append(piece)
            count += len(piece[1])
    chars = _shape_paragraph(flat) if flat else []
    strut_font = strut.first_available()
    strut_above, strut_below = strut.half_leading_box(strut_font)
    lines: list[Line] = []
    top = 0.0
    for start, end in _break_lines(chars, hard, width, break_word):
        while start < end and chars[start].ch == " ":
            start += 1
        above, below = strut_above, strut_below
        glyphs: list[Glyph] = []
        x = 0.0
        # A glyph cluster belongs to the character it was attributed to; within an RTL run the
        # characters are visited in visual order, and their glyphs are already visual.
        seen = set()
        for i in _visual_order(chars, start, end):
            c = chars[i]
            if (c.font, id(c.style)) not in seen:  # the inline boxes' extents, once per font and style
                seen.add((c.font, id(c.style)))
                if c.font != strut_font and c.style.line_height[0] == "normal":
                    strut_face, own = face(strut_font), face(c.font)
                    if (own.ascent, own.descent) != (strut_face.ascent, strut_face.descent):
                        # Pango's own line metrics for mixed fonts at line-height: normal
                        raise Unsupported("fonts of different heights on a line with line-height: normal")
                a, b = c.style.half_leading_box(c.font)
                above, below = max(above, a), max(below, b)
            for n, (gid, advance, dx, dy) in enumerate(c.glyphs):
                glyphs.append(Glyph(gid, x, dx, dy, c.font, c.style, c.texts[n]))
                x += advance
        height = above + below
        line = Line(glyphs=glyphs, width=x, top=top, height=height, baseline=top + above)
        if align in ("center",):
            line.x = (width - x) / 2
        elif align in ("right", "end"):
            line.x = width - x
        elif align in ("left", "start"):
            line.x = 0.0
        else:
            raise Unsupported(f"text-align {align}")
        lines.append(line)
        top += height
    return lines
