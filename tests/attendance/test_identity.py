import pytest
from django.core.exceptions import ValidationError

from attendance.identity import normalise_whatsapp, validate_nip, validate_pppk


def messages(raw):
    with pytest.raises(ValidationError) as exc:
        validate_nip(raw)
    return exc.value.messages


def test_valid_nip_with_spaces_is_normalised():
    assert validate_nip("19780512 200312 1 003") == "197805122003121003"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("19781345200312100", ["NIP harus 18 digit; yang diisi 17 digit."]),
        ("1978051220031210034", ["NIP harus 18 digit; yang diisi 19 digit."]),
        ("19780512200312100A", ["NIP hanya boleh berisi angka; ditemukan: 'A'."]),
        ("197802302003121003", ['Tanggal lahir (digit 1–8, "19780230") bukan tanggal yang benar.']),
        ("197805122003131003", ['Bulan/tahun pengangkatan (digit 9–14, "200313") tidak benar.']),
        ("197805122003123003", ['Digit jenis kelamin (digit 15, "3") harus 1 (laki-laki) atau 2 (perempuan).']),
        ("197805121975011003", ['Tanggal pengangkatan (digit 9–14, "197501") harus sesudah tanggal lahir ("19780512").']),
        ("197805122003121000", ["Nomor urut (digit 16–18) tidak boleh 000."]),
    ],
)
def test_wrong_nip_names_the_wrong_part(raw, expected):
    assert messages(raw) == expected


def test_several_wrong_parts_are_all_named():
    assert messages("197813402003150000") == [
        'Tanggal lahir (digit 1–8, "19781340") bukan tanggal yang benar.',
        'Bulan/tahun pengangkatan (digit 9–14, "200315") tidak benar.',
        'Digit jenis kelamin (digit 15, "0") harus 1 (laki-laki) atau 2 (perempuan).',
        "Nomor urut (digit 16–18) tidak boleh 000.",
    ]


def test_pppk_needs_a_birth_date_only():
    assert validate_pppk("199001012022212001") == "199001012022212001"
    with pytest.raises(ValidationError):
        validate_pppk("199013012022212001")


@pytest.mark.parametrize("raw", ["081234567890", "+62 812-3456-7890", "62812 3456 7890"])
def test_whatsapp_is_normalised_to_e164(raw):
    assert normalise_whatsapp(raw) == "+6281234567890"


def test_whatsapp_garbage_is_refused():
    with pytest.raises(ValidationError) as exc:
        normalise_whatsapp("nomor saya")
    assert exc.value.messages == ['Nomor WhatsApp "nomor saya" tidak dapat dibaca.']
