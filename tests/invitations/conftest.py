import datetime as dt

import pytest

from attendance.models import RegistrationDay
from invitations import services
from rakor.models import Unit
from tests.factories import EventFactory, UnitFactory, organiser

IN_PERSON, ONLINE = RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE

GROUPS = [
    {"unit_kind": Unit.Kind.PROVINCIAL, "positions": "Kepala Kantor Wilayah dan Kepala Bagian Tata Usaha",
     "mode": IN_PERSON, "seats": 2},
    {"unit_kind": Unit.Kind.DISTRICT, "positions": "Kepala Kantor Kementerian Agama Kabupaten/Kota",
     "mode": ONLINE, "seats": 1},
    {"unit_kind": Unit.Kind.TRAINING, "positions": "Kepala Balai Diklat Keagamaan", "mode": IN_PERSON, "seats": 1},
]


def invitation_data(**overrides):
    data = {"letter_date": dt.date(2022, 11, 7), "subject": "Undangan Rapat Koordinasi Pengawasan Tahun 2022",
            "body": "Dalam rangka **Rakorwas** 2022, kami mengundang Saudara.\n\n- Hari: Senin\n- Tempat: Jakarta",
            "signatory_name": "Dr. Faisal, S.H., M.H.", "signatory_position": "Inspektur Jenderal",
            "number_pattern": "B-{seq}/Ij/PW.01/{month}/{year}"}
    return {**data, **overrides}


@pytest.fixture
def org(db):
    return organiser(username="panitia-undangan")


@pytest.fixture
def event(db):
    return EventFactory(slug="rakorwas-uji", name="Rakorwas Uji", start_date=dt.date(2022, 11, 21),
                        end_date=dt.date(2022, 11, 23))


@pytest.fixture
def units(db):
    aceh = UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Aceh", code="kanwil-aceh")
    return {
        "aceh": aceh,
        "bali": UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Bali", code="kanwil-bali"),
        "banda": UnitFactory(name="Kantor Kementerian Agama Kota Banda Aceh", code="kankemenag-banda-aceh",
                             kind=Unit.Kind.DISTRICT, parent=aceh),
        "bdk": UnitFactory(name="Balai Diklat Keagamaan Aceh", code="bdk-aceh", kind=Unit.Kind.TRAINING),
        "other": UnitFactory(name="Pusat Kerukunan Umat Beragama", code="pkub", kind=Unit.Kind.OTHER),
    }


@pytest.fixture
def invitation(event, units, org):
    return services.invitation_save(event=event, data=invitation_data(), groups=GROUPS, by=org)
