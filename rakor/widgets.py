"""Form widgets shared by the apps.

``UnitPicker``: the unit field of every form that asks for a unit (issue 12, item 4). Without
JavaScript it is a plain ``<select>``, its options grouped by kind and province; with
``static/rakor/unit-picker.js`` (no inline script: the site's CSP) it becomes a search box
that finds a unit by any part of its official name, short name or code, with Kanwil /
Kantor Wilayah, Kankemenag / Kantor Kementerian Agama, Kab. / Kabupaten, Prov. / Provinsi
spelled either way (``rakor.unit_names``), and shows the chosen unit's full name.

The options are built as one string (Django's per-option templates cost several
milliseconds for the ministry's ~600 units), each with its short name and code.
"""

from __future__ import annotations

import json

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .unit_names import WORD_ABBREVIATIONS as ABBREVIATIONS

UNIT_FIELDS = ("pk", "name", "short_name", "code", "kind", "province", "sort_order")


def unit_groups(units) -> list[tuple[str, list]]:
    """The units as ``[(group label, [unit, ...]), ...]``: by kind (in ``Unit.Kind`` order), then province."""
    from .models import Unit

    kinds = [k for k, _label in Unit.Kind.choices]
    labels = dict(Unit.Kind.choices)
    rows = sorted(units.only(*UNIT_FIELDS),
                  key=lambda u: (kinds.index(u.kind) if u.kind in kinds else len(kinds), u.province or "",
                                 u.sort_order, u.name))
    groups: dict[tuple[str, str], list] = {}
    for unit in rows:
        groups.setdefault((unit.kind, unit.province or ""), []).append(unit)
    out = []
    for (kind, province), members in groups.items():
        label = str(labels.get(kind, kind))
        # Provincial offices are one per province: grouping them by province would make 34 groups of one.
        if province and kind not in ("provincial", "echelon_1"):
            label = f"{label} · {province}"
        out.append((label, members))
    return out


def _option(unit, selected: str) -> str:
    # The browser builds each option's search text from its name, short name, code and group (the province)
    # with the same abbreviation table (rakor.unit_names): a search attribute per option would double the
    # register page's weight for the ministry's ~600 units.
    short = f' data-short="{escape(unit.short_name)}"' if unit.short_name else ""
    code = f' data-code="{escape(unit.code)}"' if unit.code else ""
    sel = " selected" if str(unit.pk) == selected else ""
    return f'<option value="{unit.pk}"{short}{code}{sel}>{escape(unit.name)}</option>'


class UnitPicker(forms.Select):
    """A ``<select>`` of units that unit-picker.js turns into a search box. Give it the units: ``widget.units``."""

    units = None  # a Unit queryset, set by the form (the field's queryset)

    class Media:
        js = ("rakor/unit-picker.js",)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs or {})
        attrs.update({"name": name, "data-unit-picker": "1", "data-abbreviations": json.dumps(ABBREVIATIONS),
                      "data-placeholder": _("Ketik nama, singkatan atau kode unit, misalnya: bandung"),
                      "data-empty": _("Tidak ada unit yang cocok."),
                      "data-chosen": _("Unit terpilih:"),
                      "data-label": _("Cari unit kerja")})
        selected = "" if value in (None, "") else str(value[0] if isinstance(value, (list, tuple)) else value)
        html_attrs = "".join(f" {key}" if val is True else f' {key}="{escape(val)}"'
                             for key, val in attrs.items() if val is not False and val is not None)
        parts = [f"<select{html_attrs}>", f'<option value="">{escape(_("— pilih unit kerja —"))}</option>']
        if self.units is not None:
            for label, members in unit_groups(self.units):
                parts.append(f'<optgroup label="{escape(label)}">')
                parts.extend(_option(u, selected) for u in members)
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))
