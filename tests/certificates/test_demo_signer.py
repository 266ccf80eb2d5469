"""The demo signer's PKCS#12 (var/certificates/demo-signer.p12) is encrypted, and still loads (issue 19)."""

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers

from certificates import signing

OLD, NEW = "sandi-dari-secret-key-lama", "sandi-dari-secret-key-baru"


@pytest.fixture
def demo(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.CERTIFICATE_PKCS12_PATH = ""
    settings.CERTIFICATE_DEMO_SIGNER = True
    settings.CERTIFICATE_DEMO_PKCS12_PASSWORDS = [NEW]
    return tmp_path / "certificates" / "demo-signer.p12"


def opens_with(path, password):
    try:
        pkcs12.load_pkcs12(path.read_bytes(), password)
    except ValueError:
        return False
    return True


def signed_and_intact():
    pdf = signing.sign_pdf(signing.blank_pdf())
    return signing.validate_signature(pdf)["intact"]


def test_the_demo_signer_is_generated_encrypted_and_loads(demo):
    assert signing.signer_label() == ("Panitia Rakorwas (sertifikat demo, swasertifikasi), "
                                      "Inspektorat Jenderal Kementerian Agama Republik Indonesia")
    assert demo.stat().st_mode & 0o777 == 0o600
    assert (opens_with(demo, None), opens_with(demo, b""), opens_with(demo, NEW.encode())) == (False, False, True)
    assert signers.SimpleSigner.load_pkcs12(str(demo), passphrase=None) is None
    assert signed_and_intact() is True


def test_a_demo_signer_made_before_it_was_encrypted_is_encrypted_when_loaded(demo):
    signing.generate_self_signed_pkcs12(demo, common_name="Demo lama", organisation="Itjen")
    assert opens_with(demo, None) is True
    assert signing.signer_label() == "Demo lama, Itjen"
    assert (opens_with(demo, None), opens_with(demo, NEW.encode())) == (False, True)
    assert signed_and_intact() is True


def test_after_a_secret_key_rotation_the_old_password_still_opens_it_and_the_new_one_takes_over(settings, demo):
    signing.generate_self_signed_pkcs12(demo, common_name="Demo", organisation="Itjen", password=OLD.encode())
    settings.CERTIFICATE_DEMO_PKCS12_PASSWORDS = [NEW, OLD]
    assert signing.signer_label() == "Demo, Itjen"
    assert (opens_with(demo, OLD.encode()), opens_with(demo, NEW.encode())) == (False, True)


def test_a_demo_signer_no_password_opens_gives_a_clear_error(demo):
    signing.generate_self_signed_pkcs12(demo, common_name="Demo", organisation="Itjen", password=b"lain")
    with pytest.raises(signing.DemoSignerError) as exc:
        signing.signer_state()
    assert str(exc.value) == (
        f"{demo}: sertifikat penanda tangan demo tidak dapat dibuka dengan sandi yang dikonfigurasi "
        "(CERTIFICATE_PKCS12_PASSWORD, atau sandi yang diturunkan dari SECRET_KEY dan SECRET_KEY_FALLBACKS). "
        "Kembalikan SECRET_KEY yang dipakai membuatnya sebagai SECRET_KEY_FALLBACKS, atau hapus berkas itu agar "
        "sertifikat demo baru dibuat.")
    assert opens_with(demo, b"lain") is True  # left as it was


def test_the_password_is_certificate_pkcs12_password_when_set_else_derived_from_secret_key(monkeypatch):
    import importlib

    import rakor.settings as project_settings

    try:
        monkeypatch.setenv("SECRET_KEY", "kunci-rahasia-uji")
        monkeypatch.setenv("SECRET_KEY_FALLBACKS", "kunci-lama-uji")
        monkeypatch.delenv("CERTIFICATE_PKCS12_PASSWORD", raising=False)
        derived = importlib.reload(project_settings).CERTIFICATE_DEMO_PKCS12_PASSWORDS
        assert derived == [project_settings._derived_key("demo-pkcs12", "kunci-rahasia-uji"),
                           project_settings._derived_key("demo-pkcs12", "kunci-lama-uji")]
        assert len(set(derived)) == 2 and "kunci-rahasia-uji" not in derived[0]
        monkeypatch.setenv("CERTIFICATE_PKCS12_PASSWORD", "sandi-panitia")
        assert importlib.reload(project_settings).CERTIFICATE_DEMO_PKCS12_PASSWORDS == ["sandi-panitia"]
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)
