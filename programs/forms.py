"""Forms of the programs app: funded batches, the budget simulator and the batch import."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.models import NATIONAL_CODE, Level, Region
from regions.resolver import region_name_key
from regions.selectors import can_edit_region
from ucj_dashboard.formats import MONTHS_ID, NumberFormatError, parse_number
from ucj_dashboard.months import month_start

from .models import Allocation, DossierNote, FundedBatch, FundingScheme, Package, Regulation, WorkerCategory

MONTH_CHOICES = [(i, name) for i, name in enumerate(MONTHS_ID, start=1)]


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None, format=None):
        super().__init__({"placeholder": "2025-05", **(attrs or {})}, format)

    def format_value(self, value):
        if isinstance(value, date):
            return f"{value:%Y-%m}"
        return value


class MonthField(forms.DateField):
    """A calendar month typed as 2025-05 (or 05/2025); cleaned to its first day."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%m/%Y", "%Y-%m-%d"]

    def to_python(self, value):
        value = super().to_python(value)
        return month_start(value) if value else value


class CountField(forms.IntegerField):
    """A whole number typed the Indonesian way: "5.606", "5606" or "5 606"."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_number(value, integer=True)
        except NumberFormatError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def widget_attrs(self, widget):
        return {}  # no min/max attributes on a text input


def region_lookup(text):
    """A region from a code ("35.07") or an unambiguous province or kab/kota name.

    Names match in their common variants ("Kab. Malang", "KABUPATEN MALANG"), as in imports;
    "Malang" alone is ambiguous (Kabupaten and Kota) and finds nothing.
    """
    text = (text or "").strip()
    if not text:
        return None
    region = Region.objects.filter(code=text).first()
    if region is not None:
        return region
    kind, base = region_name_key(text)
    if not base:
        return None
    candidates = [
        r
        for r in Region.objects.filter(name__icontains=base, level__in=[Level.PROVINCE, Level.REGENCY])
        if region_name_key(r.name)[1] == base and (kind is None or r.kind == kind)
    ]
    return candidates[0] if len(candidates) == 1 else None


class RegionCodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault("help_text", _("Kode Kemendagri (mis. 35.08) atau nama kabupaten/kota."))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        region = region_lookup(text)
        if region is None:
            raise ValidationError(_("Wilayah %(text)s tidak ditemukan; isi kode Kemendagri."), params={"text": text})
        return region


class FundedBatchForm(forms.ModelForm):
    region = RegionCodeField(label=_("Wilayah"))
    workers = CountField(label=_("Jumlah pekerja"), min_value=1)
    target_population = CountField(
        label=_("Sasaran (pekerja)"),
        min_value=1,
        required=False,
        help_text=_("Opsional: jumlah pekerja yang menjadi sasaran; realisasi = jumlah pekerja / sasaran."),
    )
    start_month = MonthField(label=_("Bulan mulai"))
    end_month = MonthField(label=_("Bulan akhir (termasuk)"))

    class Meta:
        model = FundedBatch
        fields = FundedBatch.EDITABLE_FIELDS
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        packages = Package.objects.filter(segment="BPU").filter(Q(is_active=True) | Q(batches=self.instance.pk or 0))
        self.fields["package"].queryset = packages.distinct()
        if self.instance.pk:
            self.initial["region"] = self.instance.region.code
        self.fields["fiscal_year"].required = False
        self.fields["fiscal_year"].help_text = _("Kosongkan untuk memakai tahun bulan mulai.")

    def clean_region(self):
        region = self.cleaned_data["region"]
        if region.code == NATIONAL_CODE or not can_edit_region(self.user, region):
            raise ValidationError(_("Wilayah %(region)s di luar kewenangan Anda."), params={"region": region.name})
        return region

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("start_month")
        if start and not cleaned.get("fiscal_year"):
            cleaned["fiscal_year"] = start.year
            self.instance.fiscal_year = start.year
        return cleaned


def _this_year():
    return timezone.localdate().year


class SimulatorForm(forms.Form):
    """Inputs of the budget simulator; all optional except the region (defaults come from the view)."""

    region = RegionCodeField(label=_("Wilayah"))
    year = forms.IntegerField(label=_("Tahun anggaran"), min_value=2015, max_value=2100)
    start_month = forms.TypedChoiceField(label=_("Mulai bulan"), choices=MONTH_CHOICES, coerce=int, initial=1)
    months = forms.IntegerField(label=_("Lama (bulan)"), min_value=1, max_value=12, initial=12)
    workers = CountField(label=_("Jumlah pekerja"), min_value=1, max_value=50_000_000, initial=1000)
    package = forms.ModelChoiceField(label=_("Paket"), queryset=Package.objects.none(), empty_label=None)
    scheme = forms.ModelChoiceField(
        label=_("Skema pendanaan"),
        queryset=FundingScheme.objects.all(),
        required=False,
        empty_label=_("(belum dipilih)"),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Kategori pekerja"),
        queryset=WorkerCategory.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    target_percent = forms.DecimalField(
        label=_("Target pilihan (%)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        required=False,
        help_text=_("Opsional: cakupan yang ingin dicapai pada akhir tahun."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = Package.objects.filter(is_active=True, segment="BPU")
        self.fields["year"].initial = _this_year()

    def clean(self):
        cleaned = super().clean()
        start, months = cleaned.get("start_month"), cleaned.get("months")
        if start and months and start + months - 1 > 12:
            # APBD is a yearly budget: a simulation stays within its fiscal year.
            self.add_error(
                "months",
                _("Mulai %(month)s, paling lama %(max)d bulan dalam tahun anggaran yang sama.")
                % {"month": MONTHS_ID[start - 1], "max": 13 - start},
            )
        return cleaned


class BatchImportForm(forms.Form):
    file = forms.FileField(label=_("Berkas (.xlsx atau .csv)"))
    apply = forms.BooleanField(label=_("Terapkan (tanpa centang: uji coba saja)"), required=False, initial=False)


# --- the Inpres 2/2021 commitment register and the dossier notes ----------------------------


class _RegionScopedForm(forms.ModelForm):
    """Worker groups from the catalogue; batches only of the region and its subtree."""

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.fields["batches"].queryset = FundedBatch.objects.within(region).select_related("region", "scheme",
                                                                                           "category")  # fmt: skip
        self.fields["batches"].required = False
        self.fields["categories"].required = False


class RegulationForm(_RegionScopedForm):
    class Meta:
        model = Regulation
        fields = ["kind", "number", "issued_on", "title", "categories", "batches", "note"]
        widgets = {"issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "categories": forms.CheckboxSelectMultiple, "batches": forms.CheckboxSelectMultiple}  # fmt: skip


class AllocationForm(_RegionScopedForm):
    class Meta:
        model = Allocation
        fields = ["fiscal_year", "scheme", "amount", "workers", "regulation", "categories", "batches", "reference",
                  "note"]  # fmt: skip
        widgets = {"categories": forms.CheckboxSelectMultiple, "batches": forms.CheckboxSelectMultiple}

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, region=region, **kwargs)
        self.fields["regulation"].queryset = Regulation.objects.filter(region__code__in=region.ancestor_codes
                                                                       + [region.code])  # fmt: skip


class DossierNoteForm(forms.ModelForm):
    class Meta:
        model = DossierNote
        fields = list(DossierNote.SECTIONS)
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in DossierNote.SECTIONS}
