"""Forms of the entry workflow: the entry grid (Indonesian numbers), the import upload and the
verification decisions. They parse input; the services decide."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ucj_dashboard.formats import NumberFormatError, format_number
from ucj_dashboard.spreadsheets import MAX_COUNT, parse_count

from .selectors import SEGMENTS
from .services import CellChange
from .validation import MEASURE_LABELS, MEASURES


class IndonesianIntegerField(forms.CharField):
    """A count typed the Indonesian way: "134.167", "134167" or "134 167"; empty is None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "num"})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return parse_count(value)  # the importer's parser: within the database column's range
        except NumberFormatError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


CELL_NAME = re.compile(
    r"^(?P<code>ID|\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?)-(?P<segment>[A-Za-z]+)-"
    r"(?P<measure>active|registered|new_registrations|lapsed|version|shown)$"
)


def cell_name(code, segment, measure):
    return f"{code}-{segment}-{measure}"


def _encode(count):
    return "|".join("" if count is None or getattr(count, m) is None else str(getattr(count, m)) for m in MEASURES)


def _decode(text):
    parts = (text or "").split("|")
    if len(parts) != len(MEASURES):
        return None
    try:
        return {m: int(p) if p else None for m, p in zip(MEASURES, parts, strict=True)}
    except ValueError:
        return None


class EntryGridForm(forms.Form):
    """One text field per region, segment and measure, plus per cell the version the user read
    and the values shown (so only the cells the user changed are saved)."""

    def __init__(self, *args, rows, period, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows, self.period = rows, period
        for row in rows:
            for segment in SEGMENTS:
                count = row.counts.get(segment)
                for measure in MEASURES:
                    value = getattr(count, measure) if count else None
                    self.fields[cell_name(row.region.code, segment, measure)] = IndonesianIntegerField(
                        label=f"{row.region.name} {segment} {MEASURE_LABELS[measure].lower()}",
                        initial="" if value is None else format_number(value),
                    )
                self.fields[cell_name(row.region.code, segment, "version")] = forms.IntegerField(
                    widget=forms.HiddenInput, required=False, initial=count.version if count else 0,
                    min_value=0, max_value=MAX_COUNT,
                )  # fmt: skip
                self.fields[cell_name(row.region.code, segment, "shown")] = forms.CharField(
                    widget=forms.HiddenInput, required=False, initial=_encode(count)
                )

    def clean(self):
        cleaned = super().clean()
        # Cell names the grid did not render (another region, a made-up segment): a tampered or
        # outdated form. Nothing of it is saved, and the user is told why.
        unknown = sorted(
            {
                f"{m['code']} {m['segment']}"
                for key in self.data
                if (m := CELL_NAME.match(key)) and key not in self.fields
            }
        )
        if unknown:
            raise ValidationError(
                _(
                    "Formulir memuat sel yang tidak ada di tabel ini (%(cells)s); tidak ada yang disimpan. "
                    "Muat ulang halaman."
                ),
                params={"cells": ", ".join(unknown[:5])},
            )
        return cleaned

    def cells(self):
        """For the template: per row, per segment, the bound fields of the four measures with last
        month's effective values, and this month's BPJS figure when there is one."""
        for row in self.rows:
            segments = []
            for segment in SEGMENTS:
                sources = row.sources(segment)
                previous = sources.previous
                segments.append(
                    {
                        "segment": segment,
                        "count": row.counts.get(segment),
                        "items": [
                            (self[cell_name(row.region.code, segment, m)], getattr(previous, m, None)) for m in MEASURES
                        ],
                        "has_previous": previous is not None,
                        "sources": sources,
                        "hidden": [self[cell_name(row.region.code, segment, h)] for h in ("version", "shown")],
                    }
                )
            yield row, segments

    def changes(self) -> list[CellChange]:
        """The cells whose values differ from what the page showed."""
        changes = []
        for row in self.rows:
            for segment in SEGMENTS:
                code = row.region.code
                if any(cell_name(code, segment, m) in self.errors for m in MEASURES):
                    continue
                values = {m: self.cleaned_data.get(cell_name(code, segment, m)) for m in MEASURES}
                shown = _decode(self.cleaned_data.get(cell_name(code, segment, "shown")))
                if shown is None:
                    shown = {m: getattr(row.counts.get(segment), m, None) for m in MEASURES}
                if values == shown:
                    continue
                if values["active"] is None:
                    self.add_error(
                        cell_name(code, segment, "active"),
                        _("Peserta aktif wajib diisi jika kolom lain segmen ini diisi."),
                    )
                    continue
                version = self.cleaned_data.get(cell_name(code, segment, "version")) or 0
                changes.append(CellChange(row.region, self.period, segment, values, expected_version=version))
        return changes


class PeriodForm(forms.Form):
    periode = forms.DateField(label=_("Periode"), input_formats=["%Y-%m"], required=False)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas (.xlsx atau .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    submit = forms.BooleanField(
        label=_("Langsung ajukan angka yang diimpor ke verifikator"),
        required=False,
        help_text=_("Tanpa centang, angka disimpan sebagai draf dan belum dihitung dalam cakupan."),
    )


class BpjsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Ekstraksi BPJS (.xlsx atau .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class ReferenceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas (.xlsx atau .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class ImportApplyForm(forms.Form):
    batch = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    acknowledge = forms.BooleanField(
        label=_("Saya sudah memeriksa peringatan di atas dan angkanya benar."), required=False
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Alasan dikembalikan"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan membuka kembali"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )
