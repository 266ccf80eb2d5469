"""Data for `manage.py seed_demo`: the Kemenag unit tree (around 2022) and the name lists.

Plain data, no Django imports: the command turns it into rows. The unit tree is
what an organiser would otherwise type into /admin/; once loaded it is theirs to
edit (the command only adds units that are missing, keyed by `code`).
"""

from __future__ import annotations

# ------------------------------------------------------------------ units
# (code, name, short_name, kind, parent_code, province)
# kind is a Unit.Kind value: echelon_1, provincial, district, training, research, other.

ECHELON_I = [
    ("setjen", "Sekretariat Jenderal", "Setjen"),
    ("itjen", "Inspektorat Jenderal", "Itjen"),
    ("ditjen-pendis", "Direktorat Jenderal Pendidikan Islam", "Ditjen Pendis"),
    ("ditjen-bimas-islam", "Direktorat Jenderal Bimbingan Masyarakat Islam", "Ditjen Bimas Islam"),
    ("ditjen-phu", "Direktorat Jenderal Penyelenggaraan Haji dan Umrah", "Ditjen PHU"),
    ("ditjen-bimas-kristen", "Direktorat Jenderal Bimbingan Masyarakat Kristen", "Ditjen Bimas Kristen"),
    ("ditjen-bimas-katolik", "Direktorat Jenderal Bimbingan Masyarakat Katolik", "Ditjen Bimas Katolik"),
    ("ditjen-bimas-hindu", "Direktorat Jenderal Bimbingan Masyarakat Hindu", "Ditjen Bimas Hindu"),
    ("ditjen-bimas-buddha", "Direktorat Jenderal Bimbingan Masyarakat Buddha", "Ditjen Bimas Buddha"),
    ("bmbpsdm", "Badan Moderasi Beragama dan Pengembangan Sumber Daya Manusia", "BMBPSDM"),
    ("bpjph", "Badan Penyelenggara Jaminan Produk Halal", "BPJPH"),
]

# Units below the echelon-I units (kind "other"): bureaus, secretariats, directorates, centres.
CENTRAL_SUBUNITS = [
    ("setjen-biro-perencanaan", "Biro Perencanaan", "Biro Perencanaan", "setjen"),
    ("setjen-biro-kepegawaian", "Biro Kepegawaian", "Biro Kepegawaian", "setjen"),
    ("setjen-biro-keuangan-bmn", "Biro Keuangan dan Barang Milik Negara", "Biro Keuangan dan BMN", "setjen"),
    ("setjen-biro-hukum-kln", "Biro Hukum dan Kerja Sama Luar Negeri", "Biro Hukum dan KLN", "setjen"),
    ("setjen-biro-hdi", "Biro Hubungan Masyarakat, Data, dan Informasi", "Biro HDI", "setjen"),
    ("setjen-biro-ortala", "Biro Organisasi dan Tata Laksana", "Biro Ortala", "setjen"),
    ("setjen-biro-umum", "Biro Umum", "Biro Umum", "setjen"),
    ("setjen-pkub", "Pusat Kerukunan Umat Beragama", "PKUB", "setjen"),
    ("setjen-pusbimdik-khonghucu", "Pusat Bimbingan dan Pendidikan Khonghucu", "Pusbimdik Khonghucu", "setjen"),
    ("itjen-sekretariat", "Sekretariat Inspektorat Jenderal", "Setitjen", "itjen"),
    ("itjen-irwil-1", "Inspektorat Wilayah I", "Irwil I", "itjen"),
    ("itjen-irwil-2", "Inspektorat Wilayah II", "Irwil II", "itjen"),
    ("itjen-irwil-3", "Inspektorat Wilayah III", "Irwil III", "itjen"),
    ("itjen-irwil-4", "Inspektorat Wilayah IV", "Irwil IV", "itjen"),
    ("itjen-investigasi", "Inspektorat Investigasi", "Irvest", "itjen"),
    ("pendis-sekretariat", "Sekretariat Direktorat Jenderal Pendidikan Islam", "Setditjen Pendis", "ditjen-pendis"),
    ("pendis-kskk", "Direktorat Kurikulum, Sarana, Kelembagaan, dan Kesiswaan Madrasah", "Direktorat KSKK Madrasah",
     "ditjen-pendis"),
    ("pendis-gtk", "Direktorat Guru dan Tenaga Kependidikan Madrasah", "Direktorat GTK Madrasah", "ditjen-pendis"),
    ("pendis-pdpontren", "Direktorat Pendidikan Diniyah dan Pondok Pesantren", "Direktorat PD Pontren", "ditjen-pendis"),
    ("pendis-pai", "Direktorat Pendidikan Agama Islam", "Direktorat PAI", "ditjen-pendis"),
    ("pendis-diktis", "Direktorat Pendidikan Tinggi Keagamaan Islam", "Direktorat Diktis", "ditjen-pendis"),
    ("bimas-islam-sekretariat", "Sekretariat Direktorat Jenderal Bimbingan Masyarakat Islam", "Setditjen Bimas Islam",
     "ditjen-bimas-islam"),
    ("bimas-islam-uais", "Direktorat Urusan Agama Islam dan Pembinaan Syariah", "Direktorat URAIS", "ditjen-bimas-islam"),
    ("bimas-islam-penais", "Direktorat Penerangan Agama Islam", "Direktorat Penais", "ditjen-bimas-islam"),
    ("bimas-islam-zawa", "Direktorat Pemberdayaan Zakat dan Wakaf", "Direktorat Zakat dan Wakaf", "ditjen-bimas-islam"),
    ("bimas-islam-kua", "Direktorat Bina KUA dan Keluarga Sakinah", "Direktorat Bina KUA", "ditjen-bimas-islam"),
    ("phu-sekretariat", "Sekretariat Direktorat Jenderal Penyelenggaraan Haji dan Umrah", "Setditjen PHU", "ditjen-phu"),
    ("bimas-kristen-sekretariat", "Sekretariat Direktorat Jenderal Bimbingan Masyarakat Kristen",
     "Setditjen Bimas Kristen", "ditjen-bimas-kristen"),
    ("bimas-katolik-sekretariat", "Sekretariat Direktorat Jenderal Bimbingan Masyarakat Katolik",
     "Setditjen Bimas Katolik", "ditjen-bimas-katolik"),
    ("bimas-hindu-sekretariat", "Sekretariat Direktorat Jenderal Bimbingan Masyarakat Hindu",
     "Setditjen Bimas Hindu", "ditjen-bimas-hindu"),
    ("bimas-buddha-sekretariat", "Sekretariat Direktorat Jenderal Bimbingan Masyarakat Buddha",
     "Setditjen Bimas Buddha", "ditjen-bimas-buddha"),
    ("bmbpsdm-sekretariat", "Sekretariat Badan Moderasi Beragama dan Pengembangan Sumber Daya Manusia",
     "Sekretariat BMBPSDM", "bmbpsdm"),
    ("bmbpsdm-pusdiklat-administrasi", "Pusat Pendidikan dan Pelatihan Tenaga Administrasi",
     "Pusdiklat Tenaga Administrasi", "bmbpsdm"),
    ("bmbpsdm-pusdiklat-teknis", "Pusat Pendidikan dan Pelatihan Tenaga Teknis Pendidikan dan Keagamaan",
     "Pusdiklat Tenaga Teknis", "bmbpsdm"),
    ("bpjph-sekretariat", "Sekretariat Badan Penyelenggara Jaminan Produk Halal", "Sekretariat BPJPH", "bpjph"),
]

# The 34 provinces of 2022, in the Ministry of Home Affairs' code order.
PROVINCES = [
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Jambi", "Sumatera Selatan", "Bengkulu", "Lampung",
    "Kepulauan Bangka Belitung", "Kepulauan Riau", "DKI Jakarta", "Jawa Barat", "Jawa Tengah", "DI Yogyakarta",
    "Jawa Timur", "Banten", "Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat",
    "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara",
    "Sulawesi Tengah", "Sulawesi Selatan", "Sulawesi Tenggara", "Gorontalo", "Sulawesi Barat", "Maluku",
    "Maluku Utara", "Papua Barat", "Papua",
]


def slugify_ascii(text: str) -> str:
    out = []
    for ch in text.lower():
        out.append(ch if ch.isalnum() and ch.isascii() else "-")
    return "-".join(part for part in "".join(out).split("-") if part)


def kanwil_code(province: str) -> str:
    return f"kanwil-{slugify_ascii(province)}"


def kanwil_name(province: str) -> str:
    # The Yogyakarta office does not carry "Provinsi" in its name.
    if province == "DI Yogyakarta":
        return "Kantor Wilayah Kementerian Agama Daerah Istimewa Yogyakarta"
    return f"Kantor Wilayah Kementerian Agama Provinsi {province}"


def kanwil_short(province: str) -> str:
    return "Kanwil Kemenag DIY" if province == "DI Yogyakarta" else f"Kanwil Kemenag {province}"


# District offices (Kankemenag Kabupaten/Kota) for a few provinces: (province, "Kabupaten X" | "Kota X").
DISTRICTS = {
    "DKI Jakarta": [
        "Kota Administrasi Jakarta Pusat", "Kota Administrasi Jakarta Utara", "Kota Administrasi Jakarta Barat",
        "Kota Administrasi Jakarta Selatan", "Kota Administrasi Jakarta Timur",
        "Kabupaten Administrasi Kepulauan Seribu",
    ],
    "Jawa Barat": [
        "Kabupaten Bogor", "Kabupaten Sukabumi", "Kabupaten Cianjur", "Kabupaten Bandung", "Kabupaten Garut",
        "Kabupaten Tasikmalaya", "Kabupaten Ciamis", "Kabupaten Kuningan", "Kabupaten Cirebon",
        "Kabupaten Majalengka", "Kabupaten Sumedang", "Kabupaten Indramayu", "Kabupaten Subang",
        "Kabupaten Purwakarta", "Kabupaten Karawang", "Kabupaten Bekasi", "Kabupaten Bandung Barat",
        "Kabupaten Pangandaran", "Kota Bogor", "Kota Sukabumi", "Kota Bandung", "Kota Cirebon", "Kota Bekasi",
        "Kota Depok", "Kota Cimahi", "Kota Tasikmalaya", "Kota Banjar",
    ],
    "DI Yogyakarta": [
        "Kabupaten Kulon Progo", "Kabupaten Bantul", "Kabupaten Gunungkidul", "Kabupaten Sleman", "Kota Yogyakarta",
    ],
    "Jawa Timur": [
        "Kota Surabaya", "Kabupaten Sidoarjo", "Kabupaten Gresik", "Kabupaten Lamongan", "Kabupaten Jombang",
        "Kabupaten Malang", "Kota Malang", "Kabupaten Kediri", "Kota Kediri", "Kabupaten Jember",
        "Kabupaten Banyuwangi", "Kabupaten Pamekasan", "Kabupaten Sumenep",
    ],
    "Banten": [
        "Kabupaten Pandeglang", "Kabupaten Lebak", "Kabupaten Tangerang", "Kabupaten Serang", "Kota Tangerang",
        "Kota Cilegon", "Kota Serang", "Kota Tangerang Selatan",
    ],
    "Bali": [
        "Kabupaten Jembrana", "Kabupaten Tabanan", "Kabupaten Badung", "Kabupaten Gianyar", "Kabupaten Klungkung",
        "Kabupaten Bangli", "Kabupaten Karangasem", "Kabupaten Buleleng", "Kota Denpasar",
    ],
}


def district_code(district: str) -> str:
    return f"kankemenag-{slugify_ascii(district)}"


def district_name(district: str) -> str:
    return f"Kantor Kementerian Agama {district}"


# The 14 Balai Diklat Keagamaan: (city in the name, province).
TRAINING_CENTRES = [
    ("Aceh", "Aceh"), ("Medan", "Sumatera Utara"), ("Padang", "Sumatera Barat"), ("Palembang", "Sumatera Selatan"),
    ("Jakarta", "DKI Jakarta"), ("Bandung", "Jawa Barat"), ("Semarang", "Jawa Tengah"), ("Surabaya", "Jawa Timur"),
    ("Denpasar", "Bali"), ("Banjarmasin", "Kalimantan Selatan"), ("Makassar", "Sulawesi Selatan"),
    ("Manado", "Sulawesi Utara"), ("Ambon", "Maluku"), ("Papua", "Papua"),
]

RESEARCH_CENTRES = [("Jakarta", "DKI Jakarta"), ("Semarang", "Jawa Tengah"), ("Makassar", "Sulawesi Selatan")]


def unit_rows() -> list[tuple[str, str, str, str, str | None, str]]:
    """Every unit, parents before children: (code, name, short_name, kind, parent_code, province)."""
    rows = []
    for code, name, short in ECHELON_I:
        rows.append((code, name, short, "echelon_1", None, ""))
    for code, name, short, parent in CENTRAL_SUBUNITS:
        rows.append((code, name, short, "other", parent, ""))
    for province in PROVINCES:
        rows.append((kanwil_code(province), kanwil_name(province), kanwil_short(province), "provincial", None, province))
    for province, districts in DISTRICTS.items():
        for district in districts:
            short = "Kankemenag " + district.replace("Kabupaten Administrasi ", "Kab. ").replace(
                "Kota Administrasi ", "Kota ").replace("Kabupaten ", "Kab. ")
            rows.append((district_code(district), district_name(district), short, "district", kanwil_code(province),
                         province))
    for city, province in TRAINING_CENTRES:
        rows.append((f"bdk-{slugify_ascii(city)}", f"Balai Diklat Keagamaan {city}", f"BDK {city}", "training",
                     "bmbpsdm", province))
    for city, province in RESEARCH_CENTRES:
        rows.append((f"bla-{slugify_ascii(city)}", f"Balai Litbang Agama {city}", f"BLA {city}", "research",
                     "bmbpsdm", province))
    return rows


# In-person seats per day (UnitQuota) by unit code or kind.
QUOTA_BY_KIND = {"provincial": 2, "echelon_1": 4, "training": 1, "research": 1}
QUOTA_ITJEN = 40
IN_PERSON_CAPACITY = 250

# ------------------------------------------------------------------ ranks and positions

RANKS = [
    "Pengatur Muda (II/a)", "Pengatur Muda Tingkat I (II/b)", "Pengatur (II/c)", "Pengatur Tingkat I (II/d)",
    "Penata Muda (III/a)", "Penata Muda Tingkat I (III/b)", "Penata (III/c)", "Penata Tingkat I (III/d)",
    "Pembina (IV/a)", "Pembina Tingkat I (IV/b)", "Pembina Utama Muda (IV/c)", "Pembina Utama Madya (IV/d)",
    "Pembina Utama (IV/e)",
]
R = {r.split("(")[1].rstrip(")"): i for i, r in enumerate(RANKS)}  # "IV/c" -> index

# Staff positions that join online, by where they work: (position, lowest rank, highest rank, weight).
STAFF_POSITIONS = {
    "district": [
        ("Kepala Subbagian Tata Usaha", "III/d", "IV/a", 1),
        ("Kepala Seksi Pendidikan Madrasah", "III/d", "IV/a", 1),
        ("Kepala Seksi Pendidikan Agama Islam", "III/d", "IV/a", 1),
        ("Kepala Seksi Bimbingan Masyarakat Islam", "III/d", "IV/a", 1),
        ("Kepala Seksi Penyelenggaraan Haji dan Umrah", "III/d", "IV/a", 1),
        ("Penyelenggara Zakat dan Wakaf", "III/c", "IV/a", 1),
        ("Kepala Kantor Urusan Agama (KUA)", "III/c", "IV/a", 4),
        ("Penghulu Ahli Muda", "III/c", "III/d", 3),
        ("Penyuluh Agama Islam Ahli Muda", "III/c", "III/d", 3),
        ("Pengawas Madrasah Ahli Madya", "IV/a", "IV/b", 2),
        ("Analis Kepegawaian Ahli Pertama", "III/a", "III/b", 1),
        ("Pranata Komputer Ahli Pertama", "III/a", "III/b", 1),
        ("Analis Pengelolaan Keuangan APBN Ahli Pertama", "III/a", "III/b", 1),
        ("Pengadministrasi Umum", "II/b", "III/a", 2),
        ("Penyelenggara Bimbingan Masyarakat Kristen", "III/c", "IV/a", 1),
        ("Penyelenggara Bimbingan Masyarakat Hindu", "III/c", "IV/a", 1),
    ],
    "provincial": [
        ("Kepala Bidang Pendidikan Madrasah", "IV/a", "IV/b", 1),
        ("Kepala Bidang Pendidikan Agama Islam", "IV/a", "IV/b", 1),
        ("Kepala Bidang Urusan Agama Islam dan Pembinaan Syariah", "IV/a", "IV/b", 1),
        ("Kepala Bidang Penerangan Agama Islam, Zakat dan Wakaf", "IV/a", "IV/b", 1),
        ("Kepala Bidang Penyelenggaraan Haji dan Umrah", "IV/a", "IV/b", 1),
        ("Pembimbing Masyarakat Kristen", "IV/a", "IV/b", 1),
        ("Pembimbing Masyarakat Katolik", "IV/a", "IV/b", 1),
        ("Pembimbing Masyarakat Hindu", "IV/a", "IV/b", 1),
        ("Pembimbing Masyarakat Buddha", "IV/a", "IV/b", 1),
        ("Perencana Ahli Muda", "III/c", "III/d", 2),
        ("Analis Kepegawaian Ahli Muda", "III/c", "III/d", 2),
        ("Analis Pengelolaan Keuangan APBN Ahli Muda", "III/c", "III/d", 2),
        ("Pranata Komputer Ahli Pertama", "III/a", "III/b", 2),
        ("Pranata Hubungan Masyarakat Ahli Muda", "III/c", "III/d", 1),
        ("Arsiparis Ahli Pertama", "III/a", "III/b", 1),
        ("Pengelola Barang Milik Negara", "II/c", "III/b", 1),
    ],
    "central": [
        ("Analis Kebijakan Ahli Muda", "III/c", "III/d", 2),
        ("Analis Kebijakan Ahli Madya", "IV/a", "IV/c", 1),
        ("Perencana Ahli Madya", "IV/a", "IV/c", 1),
        ("Perencana Ahli Muda", "III/c", "III/d", 2),
        ("Analis Anggaran Ahli Muda", "III/c", "III/d", 2),
        ("Analis Kepegawaian Ahli Madya", "IV/a", "IV/b", 1),
        ("Pranata Komputer Ahli Muda", "III/c", "III/d", 2),
        ("Analis Hukum Ahli Muda", "III/c", "III/d", 1),
        ("Arsiparis Ahli Muda", "III/c", "III/d", 1),
        ("Pengadministrasi Umum", "II/b", "III/a", 1),
    ],
    "itjen": [
        ("Auditor Madya", "IV/a", "IV/c", 3),
        ("Auditor Muda", "III/c", "III/d", 4),
        ("Auditor Pertama", "III/a", "III/b", 4),
        ("Auditor Penyelia", "III/c", "III/d", 1),
        ("Analis Kepegawaian Ahli Muda", "III/c", "III/d", 1),
        ("Pranata Komputer Ahli Pertama", "III/a", "III/b", 1),
    ],
    "training": [
        ("Widyaiswara Ahli Madya", "IV/a", "IV/c", 3),
        ("Widyaiswara Ahli Muda", "III/c", "III/d", 3),
        ("Kepala Subbagian Tata Usaha", "III/d", "IV/a", 1),
        ("Kepala Seksi Diklat Tenaga Administrasi", "III/d", "IV/a", 1),
        ("Kepala Seksi Diklat Tenaga Teknis Pendidikan dan Keagamaan", "III/d", "IV/a", 1),
        ("Pranata Komputer Ahli Pertama", "III/a", "III/b", 1),
    ],
    "research": [
        ("Peneliti Ahli Madya", "IV/a", "IV/c", 2),
        ("Peneliti Ahli Muda", "III/c", "III/d", 3),
        ("Kepala Subbagian Tata Usaha", "III/d", "IV/a", 1),
    ],
}

# ------------------------------------------------------------------ names
# Each culture: religion, male first names, female first names, second names (male, female),
# and how a full name is put together ("given" = first + second name; "marga" = first + family name).

CULTURES = {
    "javanese": {
        "religion": "islam",
        "male": ["Ahmad", "Muhammad", "Agus", "Budi", "Slamet", "Bambang", "Joko", "Heru", "Wahyu", "Eko", "Dwi",
                 "Sigit", "Teguh", "Hadi", "Imam", "Nur", "Arif", "Rahmat", "Yusuf", "Mohammad", "Sugeng", "Purwanto"],
        "female": ["Siti", "Sri", "Endang", "Dwi", "Tri", "Umi", "Ani", "Rina", "Retno", "Dewi", "Fatimah", "Nurul",
                   "Yuni", "Ika", "Tutik", "Wiwik"],
        "second_male": ["Santoso", "Prasetyo", "Hidayat", "Susilo", "Wibowo", "Setiawan", "Nugroho", "Kurniawan",
                        "Saputra", "Purnomo", "Riyadi", "Sutrisno", "Wahyudi", "Hartono", "Suryanto", "Fauzi",
                        "Syafi'i", "Kholis", "Arifin", "Anshori", "Mustofa", "Zaini", "Bashori", "Junaedi"],
        "second_female": ["Aminah", "Wahyuni", "Susilowati", "Rahmawati", "Handayani", "Lestari", "Hidayati",
                          "Nurjanah", "Kusumawati", "Wulandari", "Purwanti", "Mardiyah", "Khoiriyah", "Maslahah",
                          "Muflihah", "Istiqomah", "Zulaikha"],
    },
    "sundanese": {
        "religion": "islam",
        "male": ["Asep", "Ujang", "Cecep", "Dadang", "Ade", "Iwan", "Yayat", "Dedi", "Jajang", "Nandang", "Deden",
                 "Wawan", "Rudi", "Engkos", "Ahmad", "Hendra"],
        "female": ["Lilis", "Neneng", "Euis", "Yuyun", "Iis", "Enok", "Cucu", "Yeni", "Nia", "Nining", "Imas",
                   "Tuti", "Rina", "Ai"],
        "second_male": ["Saepudin", "Sunandar", "Suherman", "Suryana", "Hermawan", "Kurnia", "Setiawan", "Supriatna",
                        "Mulyana", "Sobari", "Hidayat", "Ruhiyat", "Kusnadi", "Permana", "Gunawan", "Sutisna",
                        "Nurdin", "Mulyadi", "Syarifudin", "Komarudin"],
        "second_female": ["Suryani", "Hasanah", "Komalasari", "Yuningsih", "Rohayati", "Nurhayati", "Kurniasih",
                          "Sumiati", "Rosmiati", "Marlina", "Nurlela", "Mulyati", "Solihat", "Juariah", "Maryam"],
    },
    "malay": {
        "religion": "islam",
        "male": ["Zulkifli", "Firdaus", "Hendri", "Yusri", "Rizal", "Syafrizal", "Afrizal", "Zulhelmi", "Muhammad",
                 "Irwan", "Fadli", "Darmansyah", "Azhari", "Mukhlis", "Syahrial", "Teuku"],
        "female": ["Yusnidar", "Rosmaniar", "Nurlaili", "Elfida", "Yenni", "Desmawati", "Cut", "Nurmala", "Fitriani",
                   "Rahmi", "Yulia", "Zuraida"],
        "second_male": ["Nasir", "Ridwan", "Hamdani", "Abdullah", "Syamsuddin", "Yunus", "Ilyas", "Husein", "Anwar",
                        "Rasyid", "Effendi", "Jamil", "Zakaria", "Mahdi"],
        "second_female": ["Yanti", "Rahmah", "Hasanah", "Zahara", "Syafrida", "Hayati", "Safitri", "Aini",
                          "Mardiah"],
    },
    "bugis": {
        "religion": "islam",
        "male": ["Muhammad", "Abdul", "Ahmad", "Syamsul", "Muh.", "Andi"],
        "female": ["Sitti", "Andi", "St.", "Nur"],
        "second_male": ["Yusuf", "Arsyad", "Rahman", "Syamsuddin", "Nasruddin", "Hasanuddin", "Baharuddin",
                        "Jamaluddin", "Kamaruddin", "Mappiasse", "Ridwan", "Tajuddin", "Hamzah", "Sultan", "Rijal",
                        "Mappaseng"],
        "second_female": ["Rahmah", "Hasnah", "Rosmini", "Aisyah", "Hartati", "Nurbaya", "Kasmawati", "Darmawati",
                          "Ratnawati", "Hasmiah", "Nurhaliza", "Nurhayati"],
    },
    "batak_muslim": {
        "religion": "islam",
        "marga": True,
        "male": ["Ahmad", "Muhammad", "Syahrul", "Irwansyah", "Rahmat", "Zulkarnain", "Faisal", "Amiruddin",
                 "Saiful", "Hasan"],
        "female": ["Nurhayati", "Rahmah", "Nurhasanah", "Fitri", "Masdalena", "Khairani", "Nurliana"],
        "family": ["Nasution", "Lubis", "Harahap", "Siregar", "Daulay", "Batubara", "Pulungan", "Rangkuti",
                   "Hasibuan", "Ritonga", "Matondang", "Dalimunthe"],
    },
    "batak": {
        "religion": "kristen",
        "marga": True,
        "male": ["Yohanes", "Daniel", "Robert", "Parlindungan", "Benny", "Jonner", "Martin", "Hotman", "Togar",
                 "Binsar", "Poltak", "Sahat", "Marihot", "Jansen", "Hasudungan"],
        "female": ["Rosmawati", "Lamria", "Debora", "Ruth", "Erna", "Tiurma", "Rosdiana", "Marintan", "Lasmaria",
                   "Sondang", "Hotnida"],
        "family": ["Pasaribu", "Simanjuntak", "Siahaan", "Hutapea", "Situmorang", "Panjaitan", "Sinaga", "Manurung",
                   "Simatupang", "Nainggolan", "Sihombing", "Hutagalung", "Tampubolon", "Silalahi", "Sitompul",
                   "Gultom", "Napitupulu", "Pardede", "Simbolon", "Sianturi"],
    },
    "eastern": {
        "religion": "kristen",
        "marga": True,
        "male": ["Hendrik", "Jefri", "Marthen", "Yunus", "Frans", "Johny", "Steven", "Ferry", "Arnold",
                 "Octavianus", "Yakobus", "Semuel", "Welem", "Decky"],
        "female": ["Elisabeth", "Meyke", "Grace", "Yosina", "Ester", "Lenny", "Olivia", "Juliana", "Magdalena",
                   "Selvi", "Henny"],
        "family": ["Rumengan", "Wenas", "Latuheru", "Wonda", "Rumbiak", "Lumingkewas", "Sumampouw", "Tumbel",
                   "Pattiasina", "Manuputty", "Kaunang", "Mandagi", "Rumbewas", "Wanggai", "Pattinama", "Tuhumury",
                   "Lengkong", "Sondakh", "Karubaba", "Mambor"],
    },
    "catholic": {
        "religion": "katolik",
        "marga": True,
        "male": ["Fransiskus", "Yohanes", "Antonius", "Agustinus", "Yosef", "Paulus", "Stefanus", "Petrus",
                 "Aloysius", "Benediktus", "Kristoforus", "Dominikus", "Laurensius"],
        "female": ["Maria", "Theresia", "Yuliana", "Agnes", "Veronika", "Katarina", "Margaretha", "Skolastika",
                   "Florentina", "Yasinta", "Bernadeta"],
        "family": ["Bria", "Nahak", "Wea", "Tukan", "Lete", "Watu", "Lamanepa", "Sogen", "Kelen", "Nuwa",
                   "Bataona", "Tokan", "Seran", "Purwanto", "Hadisuwarno", "Sutrisno", "Making", "Koten"],
    },
    "balinese": {
        "religion": "hindu",
        "balinese": True,
        "male": ["Suarjana", "Sudarma", "Sukadana", "Wirawan", "Arya Wiguna", "Widnyana", "Suardana", "Sutama",
                 "Budiasa", "Mertayasa", "Sudiarta", "Artawan", "Parwata", "Suteja", "Adnyana", "Darmayasa"],
        "female": ["Ariani", "Sri Astuti", "Suryani", "Sudiani", "Dewi Lestari", "Sukerti", "Widiasih", "Ratnadi",
                   "Sriasih", "Wahyuni", "Puspawati", "Kartini"],
    },
    "buddhist": {
        "religion": "buddha",
        "male": ["Sutrisno", "Partono", "Sukiman", "Suwarno", "Wira", "Hendra", "Budi", "Sudiono", "Caliadi",
                 "Suryanto", "Dharma", "Suparto", "Jaya"],
        "female": ["Citra", "Sumarni", "Metta", "Lilian", "Mulyani", "Susanti", "Widya", "Sukarni", "Lina"],
        "second_male": ["Tjahjadi", "Gunawan", "Setiawan", "Suryatama", "Wijaya", "Halim", "Santoso", "Saputra",
                        "Kurniawan", "Putra", "Dharmawan"],
        "second_female": ["Dewi", "Lestari", "Wijaya", "Kusuma", "Sari", "Halim", "Susanti", "Anggraini"],
    },
}

BALINESE_ORDER_MALE = ["Putu", "Wayan", "Gede", "Made", "Kadek", "Nyoman", "Komang", "Ketut"]
BALINESE_ORDER_FEMALE = ["Putu", "Wayan", "Made", "Kadek", "Nyoman", "Komang", "Ketut", "Luh Putu", "Luh Made"]

# Academic degrees by religion: (bachelor, the masters that follow it). A master's degree is
# usually in the same field, so they are paired.
DEGREES = {
    "islam": [("S.Ag.", ["M.Ag.", "M.Si.", "M.A."]), ("S.Pd.I.", ["M.Pd.I.", "M.Pd."]),
              ("S.H.I.", ["M.H.I.", "M.H.", "M.Sy."]), ("S.Sos.I.", ["M.Si.", "M.Kom.I."]),
              ("S.E.", ["M.M.", "M.Si.", "M.E."]), ("S.H.", ["M.H."]), ("S.Kom.", ["M.Kom.", "M.T.I."]),
              ("S.Pd.", ["M.Pd."]), ("S.Sos.", ["M.Si.", "M.A.P."]), ("S.Th.I.", ["M.Ag.", "M.A."])],
    "kristen": [("S.Th.", ["M.Th.", "M.Pd.K."]), ("S.Si.Teol.", ["M.Th.", "M.Si."]), ("S.E.", ["M.M.", "M.Si."]),
                ("S.H.", ["M.H."]), ("S.Pd.K.", ["M.Pd.K.", "M.Pd."])],
    "katolik": [("S.Ag.", ["M.Pd.", "M.Hum."]), ("S.Fil.", ["M.Hum.", "M.Si."]), ("S.Pd.", ["M.Pd."]),
                ("S.E.", ["M.M.", "M.Si."])],
    "hindu": [("S.Ag.", ["M.Ag.", "M.Si."]), ("S.Pd.H.", ["M.Pd.H.", "M.Pd."]), ("S.E.", ["M.M.", "M.Si."]),
              ("S.H.", ["M.H."])],
    "buddha": [("S.Ag.", ["M.Pd.B.", "M.Si."]), ("S.Pd.B.", ["M.Pd.B."]), ("S.E.", ["M.M.", "M.Si."])],
}
AUDITOR_DEGREES = [("S.E.", ["M.Ak.", "M.Si.", "M.M."]), ("S.Ak.", ["M.Ak."]), ("S.E., Ak.", ["M.Ak.", "M.Si."]),
                   ("S.H.", ["M.H."]), ("S.Kom.", ["M.Kom.", "M.T.I."])]
ENGINEER_DEGREES = [("S.T.", ["M.T."]), ("S.Kom.", ["M.Kom."])]
AUDITOR_CERTIFICATES = ["QIA.", "CFrA.", "CA.", "CGAP."]

# Which cultures people come from, by province (weights); anything not listed uses DEFAULT_CULTURES.
DEFAULT_CULTURES = {"javanese": 45, "sundanese": 12, "malay": 14, "bugis": 9, "batak_muslim": 6, "batak": 4,
                    "eastern": 3, "catholic": 3, "balinese": 2, "buddhist": 2}
CULTURES_BY_PROVINCE = {
    "Aceh": {"malay": 90, "javanese": 10},
    "Sumatera Utara": {"batak_muslim": 45, "batak": 30, "malay": 15, "javanese": 10},
    "Sumatera Barat": {"malay": 90, "javanese": 10},
    "Riau": {"malay": 70, "javanese": 15, "batak_muslim": 15},
    "Jambi": {"malay": 70, "javanese": 30},
    "Sumatera Selatan": {"malay": 70, "javanese": 30},
    "Bengkulu": {"malay": 75, "javanese": 25},
    "Lampung": {"javanese": 55, "malay": 35, "sundanese": 10},
    "Kepulauan Bangka Belitung": {"malay": 80, "buddhist": 10, "javanese": 10},
    "Kepulauan Riau": {"malay": 65, "batak": 15, "javanese": 20},
    "DKI Jakarta": {"javanese": 40, "sundanese": 20, "malay": 10, "batak": 10, "batak_muslim": 10, "catholic": 5,
                    "buddhist": 5},
    "Jawa Barat": {"sundanese": 85, "javanese": 15},
    "Banten": {"sundanese": 70, "javanese": 30},
    "Jawa Tengah": {"javanese": 95, "catholic": 5},
    "DI Yogyakarta": {"javanese": 90, "catholic": 10},
    "Jawa Timur": {"javanese": 95, "buddhist": 5},
    "Bali": {"balinese": 75, "javanese": 25},
    "Nusa Tenggara Barat": {"malay": 80, "balinese": 20},
    "Nusa Tenggara Timur": {"catholic": 70, "eastern": 20, "bugis": 10},
    "Kalimantan Barat": {"malay": 60, "catholic": 20, "buddhist": 20},
    "Kalimantan Tengah": {"malay": 60, "eastern": 20, "javanese": 20},
    "Kalimantan Selatan": {"malay": 85, "javanese": 15},
    "Kalimantan Timur": {"bugis": 40, "javanese": 40, "malay": 20},
    "Kalimantan Utara": {"bugis": 50, "malay": 30, "eastern": 20},
    "Sulawesi Utara": {"eastern": 70, "bugis": 20, "catholic": 10},
    "Sulawesi Tengah": {"bugis": 70, "eastern": 30},
    "Sulawesi Selatan": {"bugis": 90, "eastern": 10},
    "Sulawesi Tenggara": {"bugis": 85, "javanese": 15},
    "Gorontalo": {"bugis": 50, "malay": 50},
    "Sulawesi Barat": {"bugis": 90, "eastern": 10},
    "Maluku": {"eastern": 60, "bugis": 40},
    "Maluku Utara": {"malay": 50, "bugis": 30, "eastern": 20},
    "Papua Barat": {"eastern": 60, "bugis": 25, "javanese": 15},
    "Papua": {"eastern": 65, "catholic": 15, "bugis": 10, "javanese": 10},
}
# A position that serves one religion is held by someone of that religion.
RELIGION_BY_KEYWORD = [("Kristen", "kristen"), ("Katolik", "katolik"), ("Hindu", "hindu"), ("Buddha", "buddha"),
                       ("Islam", "islam"), ("Madrasah", "islam"), ("Haji", "islam"), ("Zakat", "islam"),
                       ("KUA", "islam"), ("Penghulu", "islam"), ("Syariah", "islam")]
CULTURES_BY_RELIGION = {
    "islam": {"javanese": 50, "sundanese": 15, "malay": 15, "bugis": 12, "batak_muslim": 8},
    "kristen": {"batak": 55, "eastern": 45},
    "katolik": {"catholic": 100},
    "hindu": {"balinese": 100},
    "buddha": {"buddhist": 100},
}
