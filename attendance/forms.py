"""Forms shared by self-registration, the coordinator pages and the back office.

Validation of the person lives in services.ParticipantData; these forms only
collect input and put the service's errors next to the right field.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from rakor.models import Event, Unit
from rakor.widgets import UnitPicker

from .models import Participant, Registration, RegistrationDay
from .services import ParticipantData

CONSENT_TEXT = _(
    "Saya menyetujui pengolahan data pribadi saya (nama, NIP, jabatan, unit kerja, e-mail dan nomor WhatsApp) oleh "
    "panitia untuk pendaftaran, presensi dan sertifikat acara ini, sesuai UU No. 27 Tahun 2022 tentang "
    "Pelindungan Data Pribadi. Saya dapat melihat dan meminta penghapusan data saya melalui portal peserta."
)


# Shown to whoever registers other people (coordinator, organiser, import): they are not asked for
# consent; the basis is the agency's task (UU PDP Pasal 20 ayat (2) huruf e), recorded with each
# registration together with settings.PUBLIC_TASK_NOTICE_VERSION. Change that version with the text.
PUBLIC_TASK_NOTICE = _(
    "Anda mendaftarkan orang lain. Data pribadinya (nama, NIP, jabatan, pangkat/golongan, unit kerja, e-mail dan "
    "nomor WhatsApp) diproses panitia untuk pendaftaran, presensi, sesi daring, notulen dan sertifikat acara ini, "
    "atas dasar pelaksanaan tugas dan kewenangan instansi menurut peraturan perundang-undangan (UU No. 27 Tahun "
    "2022 tentang Pelindungan Data Pribadi, Pasal 20 ayat (2) huruf e). Masukkan hanya data yang diperlukan dan "
    "benar, dan beri tahu orang yang Anda daftarkan: melalui tautan portal pribadinya ia dapat melihat seluruh "
    "datanya dan meminta penghapusan. Dasar pemrosesan ini dicatat bersama nama Anda dan waktunya."
)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


class RegistrationForm(forms.Form):
    """A person and how they attend each day. Used by self-registration and coordinators."""

    full_name = forms.CharField(
        label=_("Nama lengkap dengan gelar"), max_length=200,
        help_text=_("Tulis seperti pada SK, misalnya: Dr. H. Ahmad Fauzi, M.Ag."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_kind = forms.ChoiceField(
        label=_("Jenis identitas"), choices=Participant.IdKind.choices, initial=Participant.IdKind.NIP,
        widget=forms.RadioSelect,
    )
    id_number = forms.CharField(
        label=_("NIP / Nomor PPPK / Nomor identitas"), max_length=40, required=False,
        help_text=_("NIP 18 digit tanpa spasi. Tamu tanpa NIP boleh mengisi NIK atau nomor paspor."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    position = forms.CharField(label=_("Jabatan"), max_length=200, required=False)
    rank = forms.CharField(label=_("Pangkat/golongan"), max_length=80, required=False,
                           help_text=_("Misalnya: Pembina Tingkat I (IV/b)."))
    unit = UnitChoiceField(label=_("Unit kerja"), queryset=Unit.objects.none(), widget=UnitPicker)
    email = forms.EmailField(label=_("E-mail"), required=False,
                             help_text=_("Tautan portal dan tiket dikirim ke alamat ini."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    whatsapp = forms.CharField(label=_("Nomor WhatsApp"), max_length=30, required=False,
                               widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def __init__(self, *args, event: Event, units=None, with_role: bool = False, with_consent: bool = False,
                 day_initial: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        units = units if units is not None else Unit.objects.all()
        self.fields["unit"].queryset = units
        self.fields["unit"].widget.units = units  # the picker groups and renders them (rakor.widgets)
        self.day_fields: list[tuple[str, object]] = []
        for i, day in enumerate(event.days):
            name = f"day_{i}"
            self.fields[name] = forms.ChoiceField(
                label=formats.date_format(day, "l, j F Y"), choices=RegistrationDay.Mode.choices,
                widget=forms.RadioSelect, initial=(day_initial or {}).get(day, RegistrationDay.Mode.ONLINE),
            )
            self.day_fields.append((name, day))
        if with_role:
            self.fields["role"] = forms.ChoiceField(label=_("Peran"), choices=Registration.Role.choices,
                                                    initial=Registration.Role.PARTICIPANT)
        if with_consent:
            self.fields["consent"] = forms.BooleanField(label=CONSENT_TEXT, required=True, error_messages={
                "required": _("Persetujuan pengolahan data pribadi diperlukan untuk mendaftar.")})

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("id_kind") in (Participant.IdKind.NIP, Participant.IdKind.PPPK) and not cleaned.get("id_number"):
            self.add_error("id_number", _("Isi NIP atau nomor PPPK Anda."))
        if not cleaned.get("email") and not cleaned.get("whatsapp"):
            self.add_error("email", _("Isi e-mail atau nomor WhatsApp agar tautan portal dapat dikirim."))
        try:
            self._data = self._participant_data(cleaned).cleaned()
        except ValidationError as exc:
            apply_errors(self, exc)
        return cleaned

    def _participant_data(self, cleaned) -> ParticipantData:
        return ParticipantData(
            full_name=cleaned.get("full_name", ""), unit=cleaned.get("unit"), id_kind=cleaned.get("id_kind"),
            id_number=cleaned.get("id_number", ""), position=cleaned.get("position", ""),
            rank=cleaned.get("rank", ""), email=cleaned.get("email", ""), whatsapp=cleaned.get("whatsapp", ""),
        )

    def participant_data(self) -> ParticipantData:
        return self._data

    def days(self) -> dict:
        return {day: self.cleaned_data[name] for name, day in self.day_fields}

    @property
    def consent_text(self) -> str:
        return str(CONSENT_TEXT) if self.cleaned_data.get("consent") else ""

    @classmethod
    def initial_for(cls, registration: Registration) -> tuple[dict, dict]:
        """(initial, day_initial) to edit an existing registration."""
        p = registration.participant
        initial = {"full_name": p.full_name, "id_kind": p.id_kind, "id_number": p.id_number, "position": p.position,
                   "rank": p.rank, "unit": p.unit_id, "email": p.email, "whatsapp": p.whatsapp, "role": registration.role}
        return initial, {d.date: d.mode for d in registration.days.all()}


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: by field when it names one, else on top.

    Seat errors (key ``days``) go on the first in-person day, where the person chose it.
    """
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.error_dict.items():
        target = field if field in form.fields else None
        if field == "days" and getattr(form, "day_fields", None):
            in_person = [n for n, _d in form.day_fields
                         if form.cleaned_data.get(n) == RegistrationDay.Mode.IN_PERSON]
            target = in_person[0] if in_person else None
        for error in errors:
            for message in error.messages:
                if target and target in form.errors and message in form.errors[target]:
                    continue
                form.add_error(target, message)
