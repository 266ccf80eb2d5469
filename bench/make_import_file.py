"""Make a realistic participant spreadsheet for the import benchmark (and by hand: python bench/make_import_file.py N).

Valid NIPs (attendance.identity.compose_nip), Indonesian names with titles, units of
a Kemenag-like tree that `make_unit_tree` creates, e-mail and WhatsApp for most
people, luring/daring per day. NIP and WhatsApp are written as text, as the import
template asks.
"""

from __future__ import annotations

import datetime as dt
import random

FIRST = ["Ahmad", "Muhammad", "Siti", "Nur", "Dewi", "Budi", "Agus", "Rina", "Hendra", "Fitri", "Abdul", "Sri",
         "Yusuf", "Aisyah", "Rahmat", "Wahyu", "Indah", "Hasan", "Fatimah", "Eko", "Dian", "Lukman", "Ratna", "Imam",
         "Nurul", "Zainal", "Yohanes", "Maria", "I Made", "Ni Luh", "Andi", "Kadek", "Teguh", "Hidayat", "Putri"]
LAST = ["Fauzi", "Hidayat", "Aminah", "Santoso", "Wijaya", "Rahman", "Hasibuan", "Siregar", "Nasution", "Lubis",
        "Saputra", "Kurniawan", "Setiawan", "Syahputra", "Pratama", "Harahap", "Wibowo", "Susanti", "Rahmawati",
        "Simanjuntak", "Manurung", "Pangaribuan", "Suryani", "Yulianti", "Hakim", "Anwar", "Ramadhan", "Nugroho"]
PREFIX = ["", "", "", "Dr. ", "H. ", "Hj. ", "Drs. ", "Dr. H. "]
SUFFIX = ["", ", S.Ag.", ", M.Ag.", ", S.E.", ", M.Si.", ", S.Pd.I.", ", M.Pd.", ", S.H.", ", Ak."]
POSITIONS = ["Kepala Kantor Wilayah", "Kepala Bagian Tata Usaha", "Kepala Kantor Kementerian Agama",
             "Kepala Subbagian Umum", "Auditor Ahli Madya", "Auditor Ahli Muda", "Analis Kepegawaian",
             "Pranata Komputer", "Penyuluh Agama Islam", "Pengawas Madrasah"]
RANKS = ["Pembina Utama Muda (IV/c)", "Pembina Tingkat I (IV/b)", "Pembina (IV/a)", "Penata Tingkat I (III/d)",
         "Penata (III/c)", "Penata Muda Tingkat I (III/b)"]
PROVINCES = ["Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Jambi", "Sumatera Selatan", "Bengkulu", "Lampung",
             "Kepulauan Bangka Belitung", "Kepulauan Riau", "DKI Jakarta", "Jawa Barat", "Jawa Tengah",
             "DI Yogyakarta", "Jawa Timur", "Banten", "Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur",
             "Kalimantan Barat", "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara",
             "Sulawesi Utara", "Sulawesi Tengah", "Sulawesi Selatan", "Sulawesi Tenggara", "Gorontalo",
             "Sulawesi Barat", "Maluku", "Maluku Utara", "Papua Barat", "Papua"]


def make_unit_tree(districts_per_province: int = 10) -> list[str]:
    """Create Itjen + 34 Kanwil with their Kankemenag; return the unit codes people can be in."""
    from rakor.models import Unit

    codes = []
    itjen, _ = Unit.objects.get_or_create(code="itjen", defaults={"name": "Inspektorat Jenderal", "kind": Unit.Kind.ECHELON_I})
    codes.append(itjen.code)
    for i, province in enumerate(PROVINCES):
        kanwil, _ = Unit.objects.get_or_create(
            code=f"kanwil-{i + 1:02d}",
            defaults={"name": f"Kantor Wilayah Kementerian Agama Provinsi {province}", "kind": Unit.Kind.PROVINCIAL,
                      "province": province, "sort_order": i + 1})
        codes.append(kanwil.code)
        for j in range(districts_per_province):
            district, _ = Unit.objects.get_or_create(
                code=f"kankemenag-{i + 1:02d}-{j + 1:02d}",
                defaults={"name": f"Kantor Kementerian Agama Kabupaten {j + 1} {province}", "kind": Unit.Kind.DISTRICT,
                          "parent": kanwil})
            codes.append(district.code)
    return codes


def person(rng: random.Random, n: int) -> tuple[str, str, str]:
    from attendance.identity import compose_nip

    name = f"{rng.choice(PREFIX)}{rng.choice(FIRST)} {rng.choice(LAST)}{rng.choice(SUFFIX)}"
    gender = rng.choice("LP")
    birth = dt.date(1965 + n % 30, 1 + n % 12, 1 + (n // 12) % 28)
    appointed = dt.date(birth.year + 22 + n % 10, 1 + (n // 7) % 12, 1)
    # The sequence plus the varying dates keep every NIP unique for up to ~300k rows.
    nip = compose_nip(birth=birth, appointed=appointed, gender=gender, sequence=1 + (n // 3360) % 999)
    return name, nip, gender


def write_xlsx(path, rows: int, unit_codes: list[str], days: int = 3, seed: int = 2022) -> None:
    from openpyxl import Workbook

    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("peserta")
    sheet.append(["nama", "jenis_identitas", "nip", "jabatan", "pangkat_golongan", "unit", "email", "whatsapp", "peran",
                  *[f"hari_{d + 1}" for d in range(days)]])
    seen = set()
    n = 0
    written = 0
    while written < rows:
        n += 1
        name, nip, _gender = person(rng, n)
        if nip in seen:
            continue
        seen.add(nip)
        email = f"{name.split(',')[0].replace('Dr. ', '').replace('H. ', '').replace('Hj. ', '').replace('Drs. ', '').lower().replace(' ', '.')}.{n}@kemenag.go.id"
        wa = f"{rng.choice(('0812', '0813', '0821', '0852', '0857'))}{rng.randrange(10**7, 10**8)}" if rng.random() < 0.9 else ""
        modes = ["luring" if rng.random() < 0.08 else "daring" for _ in range(days)]
        sheet.append([name, "nip", nip, rng.choice(POSITIONS), rng.choice(RANKS), rng.choice(unit_codes), email, wa,
                      "peserta" if rng.random() < 0.97 else "narasumber", *modes])
        written += 1
    workbook.save(path)


if __name__ == "__main__":
    import os
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakor.settings")
    import django

    django.setup()
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    out = root / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    codes = make_unit_tree()
    write_xlsx(out / f"peserta-{n}.xlsx", n, codes)
    print(out / f"peserta-{n}.xlsx")
