"""Editing the minutes: stale saves refused with nothing lost, autosave, revisions compared and restored."""

import json

import pytest

from minutes import services
from minutes.models import ActionItem, Minutes, MinutesAutosave, MinutesRevision
from tests.factories import EventFactory, UnitFactory, organiser
from tests.minutes.factories_minutes import content, make_session, notulis, open_minutes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_the_sessions")]  # minutes are finalised after their session


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world():
    event = EventFactory()
    session = make_session(event)
    org = organiser()
    a = notulis(first_name="Siti", last_name="Aminah")
    b = notulis(first_name="Budi", last_name="Santoso")
    minutes = open_minutes(session, [a, b], by=org)
    return {"event": event, "session": session, "minutes": minutes, "a": a, "b": b, "org": org,
            "url": f"/e/{event.slug}/notulen/{session.pk}/"}


def form_data(base, **fields):
    data = {**content(), **fields, "base_revision": base, "action": "save",
            "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0"}
    return {k: v for k, v in data.items() if k != "items"}


def test_two_editors_the_second_save_is_refused_and_nothing_is_lost(client, world):
    minutes = world["minutes"]
    base = minutes.revision_number
    client.force_login(world["a"])
    assert client.post(world["url"], form_data(base, discussion="Paragraf dari Siti.")).status_code == 302
    client.force_login(world["b"])
    response = client.post(world["url"], form_data(base, discussion="Paragraf dari Budi."))
    page = response.content.decode()
    minutes.refresh_from_db()
    # Siti's save stands; Budi's was not written over it.
    assert (response.status_code, minutes.discussion, minutes.revision_number) == (409, "Paragraf dari Siti.", base + 1)
    # Budi still has his own text in the form, the other's text next to it, and the form is now based on the latest.
    assert "Paragraf dari Budi." in page
    assert "Paragraf dari Siti." in page
    assert "Siti Aminah menyimpan revisi %d" % (base + 1) in page
    assert f'name="base_revision" value="{base + 1}"' in page
    # ... and his text is kept server-side too, should he close the page now.
    saved = MinutesAutosave.objects.get(minutes=minutes, user=world["b"])
    assert saved.content["discussion"] == "Paragraf dari Budi."
    # He merges and saves on the latest revision: accepted.
    merged = "Paragraf dari Siti.\n\nParagraf dari Budi."
    assert client.post(world["url"], form_data(base + 1, discussion=merged)).status_code == 302
    minutes.refresh_from_db()
    assert (minutes.discussion, minutes.revision_number) == (merged, base + 2)
    assert not MinutesAutosave.objects.filter(minutes=minutes, user=world["b"]).exists()
    authors = list(MinutesRevision.objects.filter(minutes=minutes).order_by("number")
                   .values_list("number", "author_label"))
    assert authors[-2:] == [(base + 1, "Siti Aminah"), (base + 2, "Budi Santoso")]


def test_stale_save_in_the_service_writes_nothing(world):
    minutes = world["minutes"]
    base = minutes.revision_number
    services.save_draft(minutes=minutes, by=world["a"], content=content(decisions="Keputusan A"), base_revision=base)
    with pytest.raises(services.StaleRevision) as err:
        services.save_draft(minutes=minutes, by=world["b"], content=content(decisions="Keputusan B"),
                            base_revision=base)
    minutes.refresh_from_db()
    assert (err.value.current, minutes.decisions, minutes.revision_number) == (base + 1, "Keputusan A", base + 1)


def test_autosave_endpoint_keeps_the_text_and_the_page_restores_it(client, world):
    client.force_login(world["a"])
    minutes = world["minutes"]
    body = {"fields": {**form_data(minutes.revision_number, discussion="Belum sempat disimpan <b>tebal</b>")}}
    response = client.post(world["url"] + "simpan-otomatis/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["current_revision"] == minutes.revision_number
    page = client.get(world["url"]).content.decode()
    assert "dipulihkan ke formulir" in page
    assert "Belum sempat disimpan &lt;b&gt;tebal&lt;/b&gt;" in page
    # Each editor has their own: Budi's page shows the saved text, not Siti's.
    client.force_login(world["b"])
    assert "Belum sempat disimpan" not in client.get(world["url"]).content.decode()
    # Discard.
    client.force_login(world["a"])
    client.post(world["url"], {"action": "discard"})
    assert "Belum sempat disimpan" not in client.get(world["url"]).content.decode()


def test_autosave_refused_for_someone_not_assigned(client, world):
    other = notulis(first_name="Tidak", last_name="Ditugaskan")
    client.force_login(other)
    response = client.post(world["url"] + "simpan-otomatis/", json.dumps({"fields": {"discussion": "x"}}),
                           content_type="application/json")
    assert response.status_code == 403
    assert not MinutesAutosave.objects.exists()


def test_compare_two_revisions_and_restore_an_old_one(client, world):
    minutes = world["minutes"]
    a = world["a"]
    r1 = services.save_draft(minutes=minutes, by=a, content=content(decisions="Versi pertama"),
                             base_revision=minutes.revision_number)
    minutes.refresh_from_db()
    services.save_draft(minutes=minutes, by=a, content=content(decisions="Versi kedua <script>x</script>"),
                        base_revision=minutes.revision_number)
    minutes.refresh_from_db()
    client.force_login(a)
    page = client.get(world["url"] + f"revisi/?a={r1.number}&b={minutes.revision_number}").content.decode()
    assert "- Versi pertama" in page
    assert "+ Versi kedua &lt;script&gt;x&lt;/script&gt;" in page
    assert "<script>x" not in page
    latest = minutes.revision_number
    response = client.post(world["url"] + f"revisi/{r1.number}/pulihkan/")
    assert response.status_code == 302
    minutes.refresh_from_db()
    restored = MinutesRevision.objects.get(minutes=minutes, number=minutes.revision_number)
    assert (minutes.decisions, minutes.status, restored.number, restored.kind, restored.restored_from) == (
        "Versi pertama", "draft", latest + 1, "restore", r1.number)
    # History is kept: the revision with the second text is still there.
    assert MinutesRevision.objects.get(minutes=minutes, number=latest).content["decisions"].startswith("Versi kedua")


def test_restoring_into_a_final_record_needs_a_reason_and_reopens_it(world):
    minutes = world["minutes"]
    org = world["org"]
    services.save_draft(minutes=minutes, by=world["a"], content=content(), base_revision=minutes.revision_number,
                        submit=True)
    minutes.refresh_from_db()
    services.finalise(minutes=minutes, by=org)
    minutes.refresh_from_db()
    with pytest.raises(Exception):
        services.restore_revision(minutes=minutes, by=org, number=1)
    services.restore_revision(minutes=minutes, by=org, number=1, reason="Naskah final keliru.")
    minutes.refresh_from_db()
    assert minutes.status == "draft"


def test_follow_ups_published_on_finalise_keep_progress_across_a_correction(world):
    minutes, a, org = world["minutes"], world["a"], world["org"]
    unit = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Barat")
    items = [{"what": "Menyusun rencana aksi ZI", "unit": unit.pk, "due": "2030-03-31"},
             {"what": "Melaporkan gratifikasi", "unit": unit.pk, "due": ""}]
    services.save_draft(minutes=minutes, by=a, content=content(items=items), base_revision=minutes.revision_number,
                        submit=True)
    minutes.refresh_from_db()
    assert ActionItem.objects.count() == 0  # not in the register before it is final
    services.finalise(minutes=minutes, by=org)
    first, second = ActionItem.objects.order_by("position")
    services.set_item_status(item=first, by=org, status="in_progress", note="Rapat internal dijadwalkan.")
    minutes.refresh_from_db()
    services.open_correction(minutes=minutes, by=org, reason="Ubah batas waktu.")
    minutes.refresh_from_db()
    edited = [dict(minutes.items[0], due="2030-04-30")]  # the second follow-up is removed
    services.save_draft(minutes=minutes, by=a, content={"items": edited}, base_revision=minutes.revision_number,
                        submit=True)
    minutes.refresh_from_db()
    services.finalise(minutes=minutes, by=org)
    first.refresh_from_db()
    assert (first.status, first.progress_note, str(first.due_date)) == (
        "in_progress", "Rapat internal dijadwalkan.", "2030-04-30")
    assert list(ActionItem.objects.values_list("what", flat=True)) == ["Menyusun rencana aksi ZI"]


def test_editor_page_posts_follow_ups_without_javascript(client, world):
    unit = UnitFactory(name="Biro Umum")
    client.force_login(world["a"])
    minutes = world["minutes"]
    data = form_data(minutes.revision_number)
    data.update({"items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0",
                 "items-0-what": "Mengirim laporan", "items-0-unit": str(unit.pk), "items-0-due": "2030-01-15",
                 "items-1-what": "", "items-1-unit": "", "items-1-due": "", "action": "submit"})
    response = client.post(world["url"], data)
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.REVIEW
    assert [(i["what"], i["unit_name"], i["due"]) for i in minutes.items] == [
        ("Mengirim laporan", "Biro Umum", "2030-01-15")]


# ---------------------------------------------------------------- concurrency (PostgreSQL row locks)


@pytest.fixture
def postgres_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer, so there is no race to test")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_instant_on_the_same_revision_one_wins_one_is_refused(postgres_only, world):
    import threading

    from django.db import connection

    minutes = world["minutes"]
    base = minutes.revision_number
    barrier = threading.Barrier(2)
    results = {}

    def attempt(user, text):
        try:
            barrier.wait(timeout=10)
            services.save_draft(minutes=Minutes.objects.get(pk=minutes.pk), by=user,
                                content=content(discussion=text), base_revision=base)
            results[text] = "saved"
        except services.StaleRevision:
            results[text] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(world["a"], "Teks Siti")),
               threading.Thread(target=attempt, args=(world["b"], "Teks Budi"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    minutes.refresh_from_db()
    assert sorted(results.values()) == ["refused", "saved"]
    winner = next(text for text, r in results.items() if r == "saved")
    loser = next(text for text, r in results.items() if r == "refused")
    assert (minutes.discussion, minutes.revision_number) == (winner, base + 1)
    # The refused text is kept as that editor's autosave.
    assert MinutesAutosave.objects.get(minutes=minutes).content["discussion"] == loser


def test_an_autosave_older_than_the_editors_own_save_is_not_restored(client, world):
    from django.utils import timezone

    minutes = world["minutes"]
    services.autosave(minutes=minutes, user=world["a"], content={"discussion": "ketikan lama"},
                      base_revision=minutes.revision_number)
    MinutesAutosave.objects.update(saved_at=timezone.now() - timezone.timedelta(minutes=1))
    revision = services.save_draft(minutes=minutes, by=world["a"], content=content(discussion="tersimpan"),
                                   base_revision=minutes.revision_number)
    MinutesAutosave.objects.create(minutes=minutes, user=world["a"], content={"discussion": "ketikan lama"},
                                   base_revision=revision.number - 1)
    MinutesAutosave.objects.update(saved_at=revision.created_at - timezone.timedelta(seconds=2))
    client.force_login(world["a"])
    page = client.get(world["url"]).content.decode()
    assert "ketikan lama" not in page
    assert "tersimpan" in page
    assert not MinutesAutosave.objects.exists()
