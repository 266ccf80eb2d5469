"""Public API: events (public fields only) and the unit tree; Swagger UI from our own files."""

import datetime as dt

import pytest

from rakor.models import Unit
from tests.factories import EventFactory

from .factories_api import tree

pytestmark = pytest.mark.django_db


def test_events_list_has_the_public_fields_only(client):
    event = EventFactory(slug="rakorwas-2022", name="Rakorwas 2022", start_date=dt.date(2022, 11, 21),
                         end_date=dt.date(2022, 11, 23), venue="Hotel Novotel Mangga Dua, Jakarta")

    data = client.get("/api/v1/events/").json()

    assert data["count"] == 1
    item = data["results"][0]
    assert (item["slug"], item["name"], item["start_date"], item["end_date"], item["venue"]) == (
        "rakorwas-2022", "Rakorwas 2022", "2022-11-21", "2022-11-23", "Hotel Novotel Mangga Dua, Jakarta")
    assert item["days"] == ["2022-11-21", "2022-11-22", "2022-11-23"]
    assert item["public_key"] == event.public_key
    assert "signing_key" not in item and event.signing_key not in str(data)


def test_events_newest_first_and_filtered_by_start(client):
    EventFactory(slug="lama", start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23))
    EventFactory(slug="baru", start_date=dt.date(2026, 11, 28), end_date=dt.date(2026, 11, 30))

    assert [e["slug"] for e in client.get("/api/v1/events/").json()["results"]] == ["baru", "lama"]
    assert [e["slug"] for e in client.get("/api/v1/events/?starts_after=2023-01-01").json()["results"]] == ["baru"]
    assert [e["slug"] for e in client.get("/api/v1/events/?starts_before=2023-01-01").json()["results"]] == ["lama"]


def test_event_detail_and_unknown_event(client):
    EventFactory(slug="rakorwas-2022", name="Rakorwas 2022")

    assert client.get("/api/v1/events/rakorwas-2022/").json()["name"] == "Rakorwas 2022"
    assert client.get("/api/v1/events/tidak-ada/").status_code == 404


def test_units_tree_and_filters(client):
    t = tree()

    def codes(query=""):
        return [u["code"] for u in client.get(f"/api/v1/units/{query}").json()["results"]]

    assert sorted(codes()) == ["itjen", "kankemenag-garut", "kanwil-jabar", "kanwil-jatim"]
    assert codes().index("kanwil-jabar") < codes().index("kankemenag-garut")  # parents before children
    garut = next(u for u in client.get("/api/v1/units/?code=kankemenag-garut").json()["results"])
    assert garut == {"id": t["garut"].pk, "code": "kankemenag-garut", "name": "Kankemenag Kabupaten Garut",
                     "short_name": "", "kind": "district", "parent": t["jabar"].pk, "province": "Jawa Barat",
                     "sort_order": 0}
    assert codes("?kind=district") == ["kankemenag-garut"]
    assert codes(f"?parent={t['jabar'].pk}") == ["kankemenag-garut"]
    assert sorted(codes("?root=true")) == ["itjen", "kanwil-jabar", "kanwil-jatim"]
    assert codes("?province=jawa%20timur") == ["kanwil-jatim"]
    assert codes(f"?within={t['jabar'].pk}") == ["kanwil-jabar", "kankemenag-garut"]
    assert codes("?within=999999") == []


def test_bad_filter_values_are_400_not_500(client):
    assert client.get("/api/v1/units/?parent=1.5").status_code == 400
    assert client.get(f"/api/v1/units/?within={2**70}").status_code == 400
    assert client.get("/api/v1/units/?kind=planet").status_code == 400
    assert client.get("/api/v1/events/?starts_after=kemarin").status_code == 400


def test_pagination_page_size_and_limit(client):
    for i in range(3):
        Unit.objects.create(name=f"Balai Diklat {i}", code=f"bdk-{i}", kind=Unit.Kind.TRAINING)

    data = client.get("/api/v1/units/?page_size=2").json()
    assert (data["count"], len(data["results"]), data["next"].endswith("/api/v1/units/?page=2&page_size=2")) == (
        3, 2, True)
    assert len(client.get("/api/v1/units/?page=2&page_size=2").json()["results"]) == 1
    assert client.get("/api/v1/units/?page=3&page_size=2").status_code == 404


def test_swagger_ui_is_served_from_our_own_static_files(client):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200


def test_schema_documents_the_lists_and_token_auth(client):
    schema = client.get("/api/schema/?format=json").json()

    for path in ("/api/v1/events/", "/api/v1/events/{slug}/", "/api/v1/units/", "/api/v1/events/{slug}/registrations/",
                 "/api/v1/events/{slug}/checkins/", "/api/v1/events/{slug}/sessions/"):
        assert "get" in schema["paths"][path], path
    assert set(schema["components"]["securitySchemes"]) >= {"tokenAuth", "cookieAuth", "deviceToken"}


def test_sessions_list_pages(client):
    import datetime as dt

    from agenda.models import Session

    event = EventFactory(slug="rakorwas-uji")
    for i in range(3):
        start = dt.datetime.combine(event.days[0], dt.time(9 + i), tzinfo=event.tz)
        Session.objects.create(event=event, title=f"Sesi {i}", day=event.days[0], start=start,
                               end=start + dt.timedelta(hours=1))
    url = "/api/v1/events/rakorwas-uji/sessions/"

    first = client.get(url, {"page_size": 2}).json()
    second = client.get(url, {"page_size": 2, "page": 2}).json()

    assert ([s["title"] for s in first["sessions"]], first["count"], first["previous"]) == (["Sesi 0", "Sesi 1"], 3, None)
    assert first["next"].endswith(f"{url}?page=2&page_size=2")
    assert ([s["title"] for s in second["sessions"]], second["count"], second["next"]) == (["Sesi 2"], 3, None)
    assert second["previous"].endswith(f"{url}?page_size=2")
    assert client.get(url, {"page": 3, "page_size": 2}).status_code == 404
    assert client.get(url, {"page": 2**62}).status_code == 404
    assert client.get(url, {"page": "dua"}).status_code == 404
    assert [s["title"] for s in client.get(url, {"status": "scheduled", "mode": "hybrid"}).json()["sessions"]] == [
        "Sesi 0", "Sesi 1", "Sesi 2"]
    assert client.get(url, {"status": "live"}).json() == {"count": 0, "next": None, "previous": None, "sessions": []}
