"""Sign-in throttling (rakor/signin.py): per name and per address, growing locks, lifted by organisers, audited.

Before: 300 wrong passwords for a coordinator, then the right one, signed in (the admin
the same), and each try cost a password hash.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth import base_user
from django.core.management import call_command
from django.utils import timezone

from rakor.models import AuditEntry, SignInThrottle
from tests.factories import UnitFactory, UserFactory, coordinator, organiser

pytestmark = pytest.mark.django_db

LOGIN, ADMIN_LOGIN = "/akun/masuk/", "/admin/login/"
PASSWORD = "rahasia-uji-123"  # tests.factories.UserFactory's


@pytest.fixture(autouse=True)
def fast_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hashes(monkeypatch):
    """How many passwords were hashed to answer sign-ins (checked, or hashed for a name that does not exist)."""
    calls = []
    check, make = base_user.check_password, base_user.make_password
    monkeypatch.setattr(base_user, "check_password", lambda *a, **k: calls.append("check") or check(*a, **k))
    monkeypatch.setattr(base_user, "make_password", lambda *a, **k: calls.append("make") or make(*a, **k))
    return calls


@pytest.fixture
def kabag():
    return coordinator(UnitFactory(name="Kanwil Kemenag Provinsi Banten"), username="kabagtu.banten")


def sign_in(client, username, password, *, url=LOGIN, address="127.0.0.1", **extra):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def errors(response) -> str:
    """The form's error text as the person reads it."""
    html = response.content.decode()
    found = re.search(r'<(?:div|p) class="(?:form-errors|errornote)"[^>]*>(.*?)</(?:div|p)>', html, re.S)
    if found is None:
        found = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def local_time(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def test_300_wrong_passwords_then_the_right_one_is_refused(client, kabag, hashes):
    answers = [sign_in(client, "kabagtu.banten", f"tebakan-{i}").status_code for i in range(300)]
    right = sign_in(client, "kabagtu.banten", PASSWORD)
    assert answers[:4] == [200] * 4
    assert set(answers[4:]) == {429}
    assert right.status_code == 429
    assert not signed_in(client)
    lock = SignInThrottle.objects.get(kind="account", key="kabagtu.banten")
    assert errors(right) == (
        "Terlalu banyak percobaan masuk yang gagal dengan nama pengguna ini. Demi keamanan, masuk dengan nama "
        f"pengguna ini dikunci sampai pukul {local_time(lock.locked_until)} WIB. Coba lagi setelah itu, atau minta "
        "panitia membuka kuncinya.")
    # Only the five tries before the lock cost a password hash; the 296 after it, the right one included, none.
    assert hashes == ["check"] * 5


def test_another_account_and_another_address_are_not_affected(client, kabag):
    coordinator(UnitFactory(), username="kabagtu.jabar")
    for i in range(5):
        sign_in(client, "kabagtu.banten", f"tebakan-{i}", address="203.0.113.7")
    assert sign_in(client, "kabagtu.banten", PASSWORD, address="198.51.100.9").status_code == 429  # the name is locked
    response = sign_in(client, "kabagtu.jabar", PASSWORD, address="203.0.113.7")
    assert (response.status_code, response["Location"]) == (302, "/akun/beranda/")  # the landing per role


def test_many_names_from_one_address_lock_the_address(client, kabag, settings, hashes):
    settings.SIGNIN_ADDRESS_LIMIT = 12
    for i in range(12):
        sign_in(client, f"tebakan.{i}", "salah", address="203.0.113.7")
    hashes.clear()
    refused = sign_in(client, "kabagtu.banten", PASSWORD, address="203.0.113.7")
    lock = SignInThrottle.objects.get(kind="address", key="203.0.113.7")
    assert (refused.status_code, errors(refused)) == (429, (
        "Terlalu banyak percobaan masuk yang gagal dari jaringan Anda. Demi keamanan, masuk dari jaringan ini "
        f"dikunci sampai pukul {local_time(lock.locked_until)} WIB. Coba lagi setelah itu, atau minta panitia "
        "membuka kuncinya."))
    assert hashes == []
    assert sign_in(client, "kabagtu.banten", PASSWORD, address="198.51.100.9").status_code == 302


def test_the_address_is_the_client_behind_trusted_proxies_and_an_ipv6_clients_64(client, kabag, settings):
    settings.SIGNIN_ADDRESS_LIMIT = 3
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for i in range(3):
        sign_in(client, f"tebakan.{i}", "salah", address="10.0.0.2", HTTP_X_FORWARDED_FOR=f"2001:db8:1:2::{i + 1}")
    assert [(row.key, row.is_locked) for row in SignInThrottle.objects.filter(kind="address")] == [
        ("2001:db8:1:2::/64", True)]
    # A spoofed header from a peer that is not a trusted proxy names nobody new.
    for i in range(3):
        sign_in(client, f"lain.{i}", "salah", address="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert SignInThrottle.objects.get(kind="address", key="203.0.113.7").is_locked


def test_a_wrong_password_does_not_tell_whether_the_account_exists(client, kabag, hashes):
    known = sign_in(client, "kabagtu.banten", "salah")
    unknown = sign_in(client, "tidak.ada", "salah")
    assert known.status_code == unknown.status_code == 200
    assert errors(known) == errors(unknown) != ""
    assert hashes == ["check", "make"]  # the unknown name costs a hash too (Django's ModelBackend)
    for _ in range(4):
        known, unknown = sign_in(client, "kabagtu.banten", "salah"), sign_in(client, "tidak.ada", "salah")
    assert (known.status_code, unknown.status_code) == (429, 429)
    assert errors(known) == errors(unknown)


def test_the_message_in_english(client, kabag, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for i in range(5):
        response = sign_in(client, "kabagtu.banten", f"tebakan-{i}")
    lock = SignInThrottle.objects.get(kind="account")
    assert errors(response) == (
        "Too many failed sign-in attempts with this user name. For security, signing in with this user name is "
        f"locked until {local_time(lock.locked_until)} WIB. Try again after that, or ask the organisers to unlock it.")


def test_a_successful_sign_in_clears_the_names_failures(client, kabag):
    for i in range(4):
        sign_in(client, "kabagtu.banten", f"tebakan-{i}")
    assert sign_in(client, "kabagtu.banten", PASSWORD).status_code == 302
    client.logout()
    for i in range(4):
        assert sign_in(client, "kabagtu.banten", f"lagi-{i}").status_code == 200
    assert sign_in(client, "kabagtu.banten", PASSWORD).status_code == 302


def test_each_lock_in_a_row_lasts_twice_as_long_up_to_the_longest(client, kabag, settings):
    def lock_minutes():
        row = SignInThrottle.objects.get(kind="account")
        return round((row.locked_until - row.last_locked_at).total_seconds() / 60)

    def time_passes(minutes):
        for field in ("locked_until", "last_locked_at", "window_started_at"):
            for row in SignInThrottle.objects.exclude(**{f"{field}__isnull": True}):
                setattr(row, field, getattr(row, field) - dt.timedelta(minutes=minutes))
                row.save()

    found = []
    for round_ in range(8):
        for i in range(5):
            sign_in(client, "kabagtu.banten", f"tebakan-{round_}-{i}", address=f"203.0.113.{round_}")
        found.append(lock_minutes())
        time_passes(found[-1] + 1)
    assert found == [15, 30, 60, 120, 240, 480, 960, 1440]
    # The lock ended: the right password signs in.
    assert sign_in(client, "kabagtu.banten", PASSWORD, address="198.51.100.1").status_code == 302
    entries = AuditEntry.objects.filter(model="rakor.signinthrottle", action="signin_lock", object_repr__contains="kabag")
    assert [e.reason for e in entries.order_by("id")][:3] == [
        "5 kali gagal masuk dalam 15 menit; dikunci 15 menit.", "5 kali gagal masuk dalam 15 menit; dikunci 30 menit.",
        "5 kali gagal masuk dalam 15 menit; dikunci 1 jam."]


def test_an_organiser_lifts_the_lock_and_it_is_audited(client, kabag):
    for i in range(5):
        sign_in(client, "kabagtu.banten", f"tebakan-{i}", address="203.0.113.7")
    boss = organiser(username="panitia.itjen", first_name="Rina", last_name="Kusuma")
    panitia = client.__class__()
    panitia.force_login(boss)
    page = panitia.get("/akun/kunci/").content.decode()
    assert '<strong>Nama pengguna</strong>: <span class="key">kabagtu.banten</span>' in page
    lock = SignInThrottle.objects.get(kind="account", key="kabagtu.banten")
    done = panitia.post("/akun/kunci/", {"throttle": lock.pk, "reason": "Sudah ditelepon: salah ketik."}, follow=True)
    assert "Kunci nama pengguna kabagtu.banten dibuka: dapat masuk lagi sekarang." in done.content.decode()
    assert "Tidak ada nama pengguna atau jaringan yang sedang dikunci." in done.content.decode()

    assert sign_in(client, "kabagtu.banten", PASSWORD, address="203.0.113.7").status_code == 302
    trail = [(e.action, e.actor_label, e.object_repr, e.reason)
             for e in AuditEntry.objects.filter(model="rakor.signinthrottle").order_by("id")]
    assert trail == [
        ("signin_lock", "", "nama pengguna kabagtu.banten", "5 kali gagal masuk dalam 15 menit; dikunci 15 menit."),
        ("signin_unlock", "Rina Kusuma", "nama pengguna kabagtu.banten", "Sudah ditelepon: salah ketik."),
    ]
    unlock = AuditEntry.objects.get(action="signin_unlock")
    assert ("locked_until", None) in [(field, after) for field, _before, after in unlock.changes]


def test_the_locks_page_is_for_organisers_only(client, kabag):
    assert client.get("/akun/kunci/")["Location"].startswith("/akun/masuk/")
    client.force_login(kabag)
    assert client.get("/akun/kunci/").status_code == 403
    lock = SignInThrottle.objects.create(kind="account", key="x", locked_until=timezone.now() + dt.timedelta(hours=1))
    assert client.post("/akun/kunci/", {"throttle": lock.pk}).status_code == 403
    assert SignInThrottle.objects.get(pk=lock.pk).is_locked


def test_the_audit_page_names_locks_and_lifts(client, kabag):
    from tests.factories import EventFactory

    for i in range(5):
        sign_in(client, "kabagtu.banten", f"tebakan-{i}")
    event = EventFactory()
    client.force_login(organiser())
    page = client.get(f"/e/{event.slug}/audit/").content.decode()
    assert "Sistem (atau peserta sendiri) memasang kunci masuk " in page  # a sentence (issue 12, item 8)
    assert "masuk dikunci" in page


def test_admin_login_is_throttled_and_the_admin_lifts_locks(client, hashes):
    admin_user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    hashes.clear()
    for i in range(30):
        sign_in(client, "admin", f"tebakan-{i}", url=ADMIN_LOGIN)
    refused = sign_in(client, "admin", PASSWORD, url=ADMIN_LOGIN)
    assert not signed_in(client)
    lock = SignInThrottle.objects.get(kind="account", key="admin")
    assert errors(refused).startswith("Terlalu banyak percobaan masuk yang gagal dengan nama pengguna ini.")
    assert f"dikunci sampai pukul {local_time(lock.locked_until)} WIB" in errors(refused)
    assert hashes == ["check"] * 5

    other = client.__class__()
    other.force_login(UserFactory(username="super2", is_staff=True, is_superuser=True))
    changelist = other.get("/admin/rakor/signinthrottle/").content.decode()
    assert "admin" in changelist and "Buka kunci yang dipilih" in changelist
    other.post("/admin/rakor/signinthrottle/", {"action": "unlock", "_selected_action": [lock.pk]})
    assert SignInThrottle.objects.get(pk=lock.pk).is_locked is False
    assert sign_in(client, "admin", PASSWORD, url=ADMIN_LOGIN).status_code == 302
    assert signed_in(client) and int(client.session["_auth_user_id"]) == admin_user.pk
    assert list(AuditEntry.objects.filter(action="signin_unlock").values_list("actor_label", "reason")) == [
        ("super2", "dibuka di /admin/")]


def test_signin_unlock_command_for_when_no_organiser_can_sign_in(client, kabag, capsys):
    for i in range(5):
        sign_in(client, "kabagtu.banten", f"tebakan-{i}")
    call_command("signin_unlock")
    assert capsys.readouterr().out.startswith("account\tkabagtu.banten\t")
    call_command("signin_unlock", "kabagtu.banten", reason="telepon dari Kabag TU")
    assert sign_in(client, "kabagtu.banten", PASSWORD).status_code == 302
    assert list(AuditEntry.objects.filter(action="signin_unlock").values_list("actor_label", "reason")) == [
        ("", "telepon dari Kabag TU")]
