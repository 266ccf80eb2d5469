"""The interface is complete in English and the Indonesian one has no stray English of ours.

Msgids are Bahasa Indonesia; locale/en holds the English translation, locale/id the
(source-language) Indonesian catalogue. When a test here fails after you added strings:

    .venv/bin/python manage.py makemessages -l en -l id --ignore=.venv --ignore=tests \\
        --ignore=bench --ignore=var --ignore=media --ignore=static/rakor/scanner/vendor
    # fill the new msgstr in locale/en/LC_MESSAGES/django.po, drop "#, fuzzy"
    .venv/bin/python manage.py compilemessages --ignore=.venv

and commit both the .po and the .mo files.
"""

import datetime as dt
import gettext
import re
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from attendance.models import RegistrationDay
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory

LOCALE = Path(settings.BASE_DIR) / "locale"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
ID_PO = LOCALE / "id" / "LC_MESSAGES" / "django.po"

# The same folders the makemessages command in the module docstring leaves out.
NOT_SCANNED = {".git", ".venv", "tests", "bench", "var", "media", "locale", "node_modules", "__pycache__"}
NOT_SCANNED_PATHS = {Path("static/rakor/scanner/vendor")}

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{[^{}]*\}")


# ---------------------------------------------------------------- a small .po reader (polib is not a dependency)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r'\\(.)', lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file as gettext tools write it (one blank line between entries), the
    header included as msgid "", obsolete ``#~`` entries left out."""
    entries, entry, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#~"):
            continue
        if not line.strip():
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry = None
            continue
        entry = entry or {"flags": set(), "msgstr": {}}
        match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr\[(\d+)\]|msgstr)\s+(".*")$', line)
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match:
            name, value = match.group(1), _unquote(match.group(3))
            if name.startswith("msgstr"):
                key = int(match.group(2) or 0)
                entry["msgstr"][key] = value
            else:
                key = name
                entry[name] = value
        elif line.startswith('"'):
            if isinstance(key, int):
                entry["msgstr"][key] += _unquote(line)
            else:
                entry[key] += _unquote(line)
    return entries


def messages(path: Path) -> list[dict]:
    return [e for e in read_po(path) if e["msgid"]]


def label(entry: dict) -> str:
    return (f"[{entry['msgctxt']}] " if entry.get("msgctxt") else "") + repr(entry["msgid"])


def _problems(entry: dict) -> list[str]:
    forms = [(entry["msgid"], 0)]
    if "msgid_plural" in entry:
        forms.append((entry["msgid_plural"], 1))
    found = []
    if "fuzzy" in entry["flags"]:
        found.append("fuzzy")
    for source, index in forms:
        translated = entry["msgstr"].get(index, "")
        if not translated:
            found.append("untranslated" + (f" (msgstr[{index}])" if "msgid_plural" in entry else ""))
        elif Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(translated)):
            found.append(f"placeholders differ: {sorted(PLACEHOLDER.findall(source))} "
                         f"vs {sorted(PLACEHOLDER.findall(translated))} in {translated!r}")
    return found


def _report(title: str, lines: list[str]) -> str:
    return f"{title} ({len(lines)}), see the docstring of tests/rakor/test_locale.py:\n  " + "\n  ".join(lines)


# ---------------------------------------------------------------- the catalogues themselves


def test_the_parser_reads_the_english_catalogue():
    entries = messages(EN_PO)
    assert len(entries) > 500
    by_id = {e["msgid"]: e for e in entries}
    assert by_id["Kirim pendaftaran"]["msgstr"] == {0: "Submit registration"}
    plural = next(e for e in entries if e.get("msgid_plural") == "%(n)d pendaftaran disetujui.")
    assert plural["msgstr"] == {0: "%(n)d registration approved.", 1: "%(n)d registrations approved."}


def test_every_english_entry_is_translated_unfuzzy_with_the_same_placeholders():
    header = read_po(EN_PO)[0]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"][0]
    bad = [f"{label(e)}: {'; '.join(p)}" for e in messages(EN_PO) if (p := _problems(e))]
    assert not bad, _report("locale/en entries to fix", bad)


def test_translated_indonesian_entries_are_unfuzzy_with_the_same_placeholders():
    header = read_po(ID_PO)[0]
    assert "fuzzy" not in header["flags"] and "Language: id\n" in header["msgstr"][0]
    bad = [f"{label(e)}: {'; '.join(p)}" for e in messages(ID_PO)
           if any(e["msgstr"].values()) and (p := [x for x in _problems(e) if not x.startswith("untranslated")])]
    assert not bad, _report("locale/id entries to fix", bad)


ENGLISH_WORDS = re.compile(r"\b(the|and|of|to|is|are|was|not|with|your|you|this|for|please|cannot|must|"
                           r"invalid|required|unknown|found|saved)\b", re.IGNORECASE)


def test_a_msgid_written_in_english_has_an_indonesian_translation():
    """Msgids are Indonesian; one that reads as English would show English in the Indonesian UI."""
    english = [label(e) for e in messages(ID_PO)
               if len(set(w.lower() for w in ENGLISH_WORDS.findall(e["msgid"]))) >= 2 and not e["msgstr"].get(0)]
    assert not english, _report("msgids that look English: write them in Bahasa Indonesia, "
                                "or translate them in locale/id", english)


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_committed_mo_matches_its_po(lang):
    """A .po edited without compilemessages leaves the old .mo in use: compare them entry by entry."""
    po_path = LOCALE / lang / "LC_MESSAGES" / "django.po"
    with open(po_path.with_suffix(".mo"), "rb") as mo_file:
        catalog = gettext.GNUTranslations(mo_file)._catalog
    stale = []
    for e in messages(po_path):
        if "fuzzy" in e["flags"] or not any(e["msgstr"].values()):
            continue
        key = (e["msgctxt"] + "\x04" + e["msgid"]) if e.get("msgctxt") else e["msgid"]
        if "msgid_plural" in e:
            if any(catalog.get((key, i)) != text for i, text in e["msgstr"].items()):
                stale.append(label(e))
        elif catalog.get(key) != e["msgstr"][0]:
            stale.append(label(e))
    assert not stale, _report(f"locale/{lang} .mo is older than its .po: run compilemessages", stale)


@pytest.mark.parametrize("lang", ["en", "id"])
def test_msgfmt_accepts_the_catalogue(lang, tmp_path):
    if not shutil.which("msgfmt"):
        pytest.skip("msgfmt (GNU gettext) is not installed")
    po_path = LOCALE / lang / "LC_MESSAGES" / "django.po"
    result = subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "x.mo"), str(po_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- every marked string of the source is translated


def _copy_sources(target: Path) -> None:
    root = Path(settings.BASE_DIR)

    def ignore(folder, names):
        rel = Path(folder).relative_to(root)
        skipped = set()
        for name in names:
            path = Path(folder) / name
            if name in NOT_SCANNED and rel == Path(".") or name == "__pycache__" or name.startswith("."):
                skipped.add(name)
            elif rel / name in NOT_SCANNED_PATHS:
                skipped.add(name)
            elif path.is_file() and path.suffix not in (".py", ".html", ".txt"):
                skipped.add(name)
        return skipped

    shutil.copytree(root, target, ignore=ignore)


def test_every_marked_string_in_the_source_is_in_the_english_catalogue(tmp_path, settings, monkeypatch):
    """Run makemessages on a copy of the source and look each msgid up in the committed catalogue."""
    if not shutil.which("xgettext"):
        pytest.skip("xgettext (GNU gettext) is not installed: makemessages cannot extract strings")
    started = time.monotonic()
    source = tmp_path / "src"
    _copy_sources(source)
    (source / "locale").mkdir()
    settings.LOCALE_PATHS = [str(source / "locale")]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["en"], verbosity=0)
    extracted = messages(source / "locale" / "en" / "LC_MESSAGES" / "django.po")
    committed = {(e.get("msgctxt"), e["msgid"]): e for e in messages(EN_PO)}
    missing = []
    for e in extracted:
        known = committed.get((e.get("msgctxt"), e["msgid"]))
        if known is None:
            missing.append(f"{label(e)}: not in locale/en")
        elif _problems(known):
            missing.append(f"{label(e)}: {'; '.join(_problems(known))}")
    assert len(extracted) > 500
    assert not missing, _report("strings marked in the source but not translated in locale/en", missing)
    # Not a timing assertion: the duration is printed for whoever wonders why the suite is slow.
    print(f"makemessages on a copy of the source: {time.monotonic() - started:.1f} s")


# ---------------------------------------------------------------- what users see


@pytest.fixture
def event():
    return EventFactory(name="Rapat Koordinasi Pengawasan 2030", start_date=dt.date(2030, 11, 21),
                        end_date=dt.date(2030, 11, 22))


@pytest.mark.django_db
def test_register_page_in_english_after_switching_language(client, event):
    UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Barat")
    url = f"/e/{event.slug}/register/"
    assert client.post("/i18n/setlang/", {"language": "en", "next": url}).status_code == 302
    text = client.get(url).content.decode()
    assert '<html lang="en">' in text
    assert "<h1>Participant registration</h1>" in text
    assert '<label for="id_full_name">Full name with titles <span class="req" aria-hidden="true">*</span></label>' \
        in text
    assert "<legend>Type of identity</legend>" in text
    assert "<legend>Attendance mode per day</legend>" in text
    assert " In person (at the venue)</label>" in text
    assert "Submit registration" in text
    assert "Nama lengkap" not in text and "Kirim pendaftaran" not in text


@pytest.mark.django_db
def test_register_page_in_indonesian_by_default_and_when_asked(client, event):
    UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Barat")
    url = f"/e/{event.slug}/register/"
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "id"}):
        text = client.get(url, **headers).content.decode()
        assert '<html lang="id">' in text
        assert "<h1>Pendaftaran peserta</h1>" in text
        assert '<label for="id_full_name">Nama lengkap dengan gelar <span class="req" aria-hidden="true">*</span>' \
               '</label>' in text
        assert "<legend>Cara hadir per hari</legend>" in text
        assert "Kirim pendaftaran" in text
        assert "Full name" not in text and "Submit registration" not in text


@pytest.mark.django_db
def test_portal_in_english_and_in_indonesian(client, event):
    participant = ParticipantFactory(full_name="Dra. Hj. Siti Aminah, M.Pd.",
                                     unit=UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Banten"))
    registration = RegistrationFactory(event=event, participant=participant,
                                       modes=[RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE])

    client.cookies["django_language"] = "en"  # what the language switch sets
    english = client.get(registration.portal_path).content.decode()
    assert '<html lang="en">' in english
    assert 'Registration status: <span class="badge">Approved</span>' in english
    assert "Your registration has been approved. Show the QR code below to the registration desk officer " \
           "when you arrive at the venue." in english
    assert "<dt>Role</dt><dd>Participant</dd>" in english
    assert "<span>Thursday, 21 November 2030</span> <strong class=\"mode-in_person\">In person (at the venue)" \
           "</strong>" in english
    assert "<span>Friday, 22 November 2030</span> <strong class=\"mode-online\">Online</strong>" in english
    assert "Download ticket (PDF, A6)" in english
    assert "Pendaftaran Anda disetujui" not in english

    client.cookies["django_language"] = "id"
    indonesian = client.get(registration.portal_path).content.decode()
    assert 'Status pendaftaran: <span class="badge">Disetujui</span>' in indonesian
    assert "<dt>Peran</dt><dd>Peserta</dd>" in indonesian
    assert "<span>Kamis, 21 November 2030</span> <strong class=\"mode-in_person\">Luring (hadir di tempat)" \
           "</strong>" in indonesian
    assert "Your registration" not in indonesian


@pytest.mark.django_db
def test_an_english_browser_still_gets_indonesian_until_the_switch(client, event):
    """The default is Bahasa Indonesia whatever the phone's language; only the switch changes it."""
    html = client.get(f"/e/{event.slug}/register/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="id">' in html
