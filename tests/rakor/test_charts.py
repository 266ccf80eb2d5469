"""rakor.charts: server-rendered SVG with escaped labels and numbers where they belong."""

import re
import xml.etree.ElementTree as ET

from rakor.charts import Series, bar_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str):
    return ET.fromstring(str(svg))


def texts(root):
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def test_bar_chart_escapes_labels_and_title():
    svg = bar_chart(['<script>alert("x")</script>', "Kanwil & Balai"], [Series("A<b>", [1, 2])],
                    title='Rekap "per" <unit>')
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)  # well-formed XML: nothing unescaped broke it
    assert root.get("aria-label") == 'Rekap "per" <unit>'
    assert root.find(f"{NS}title").text == 'Rekap "per" <unit>'
    assert '<script>alert("x")</script>' in texts(root)[1]
    assert "Kanwil & Balai" in texts(root)[3]


def test_bar_chart_two_series_widths_follow_values_and_show_present_of_expected():
    svg = bar_chart(["Aceh", "Bali"], [Series("Diharapkan", [4, 2], "#ccc"), Series("Hadir", [2, 0], "#090")],
                    title="Per provinsi", width=700, label_width=200)
    root = parse(svg)
    bars = [(r.get("fill"), float(r.get("width"))) for r in root.iter(f"{NS}rect") if r.get("height") == "18"]
    plot = 700 - 200 - 90
    # Per row: the track, the first series, the second on top. The axis max is 5 (nice number above 4).
    assert bars == [("#f4f6f8", plot), ("#ccc", plot * 4 / 5), ("#090", plot * 2 / 5),
                    ("#f4f6f8", plot), ("#ccc", plot * 2 / 5), ("#090", 0)]
    assert "2 / 4" in texts(root) and "0 / 2" in texts(root)
    assert ["Diharapkan", "Hadir"] == [t for t in texts(root) if t in ("Diharapkan", "Hadir")]


def test_bar_chart_long_labels_are_shortened_with_the_full_label_as_tooltip():
    label = "Kantor Wilayah Kementerian Agama Provinsi Kepulauan Bangka Belitung"
    root = parse(bar_chart([label], [Series("n", [3])], title="t", label_chars=20))
    text = [t for t in root.iter(f"{NS}text") if t.find(f"{NS}title") is not None][0]
    assert text.find(f"{NS}title").text == label
    assert "".join(text.itertext()).endswith("Kantor Wilayah Keme…")


def test_line_chart_points_axis_and_labels():
    svg = line_chart(["07:00", "07:15", "07:30"], [1, 3, 4], title="Kedatangan <kumulatif>", width=248, height=130)
    root = parse(svg)
    assert root.get("aria-label") == "Kedatangan <kumulatif>"
    points = root.find(f"{NS}polyline").get("points")
    # plot 184 x 72 from (48, 30); axis max 5: values 1, 3, 4 -> y = 30 + 72 * (1 - v/5)
    assert points == "48.0,87.6 140.0,58.8 232.0,44.4"
    assert [t for t in texts(root) if re.fullmatch(r"\d\d:\d\d", t)] == ["07:00", "07:15", "07:30"]
    assert texts(root)[-1] == "4"  # the last value is written at the end of the line
    assert [t for t in texts(root)[1:4]] == ["0", "2.5", "5"]


def test_line_chart_escapes_x_labels_and_handles_no_data():
    root = parse(line_chart(["<i>"], [2], title="t"))
    assert "<i>" in texts(root)
    empty = parse(line_chart([], [], title="Belum ada"))
    assert empty.find(f"{NS}polyline") is None
    assert texts(empty)[0] == "Belum ada"
