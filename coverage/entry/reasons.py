"""Why a count changed: stored as a fixed code, translated only when shown.

``history_change_reason`` (django-simple-history) holds ``code`` or ``code:parameter``, e.g.
``entry.grid``, ``entry.grid_submit``, ``import:mei.csv``, ``import_bpjs:bpjs-mei.csv``,
``api:SIPD Kota Malang``, ``verified``,
``verified_jump:Pendaftaran massal APBD``, ``approved:Kepala Dinas``,
``returned:BPU turun tanpa penjelasan``. The parameter is
what a person typed (a file name, a note, a reason) and is kept as typed. Decisions test the code,
never a translated word, so a change made in English reads the same as one made in Indonesian.
Text that is not a known code (rows written before codes, or by other apps) is shown as stored.
"""

from django.utils.translation import gettext_lazy as _

GRID = "entry.grid"
MANUAL = "entry.manual"
ADMIN = "entry.admin"
IMPORT = "import"
API = "api"
IMPORT_BPJS = "import_bpjs"
SUBMITTED = "submitted"
VERIFIED = "verified"
VERIFIED_JUMP = "verified_jump"
APPROVED = "approved"
RETURNED = "returned"
SUBMIT_SUFFIX = "_submit"

# simple_history's history_change_reason is a CharField(100).
MAX_LENGTH = 100

LABELS = {
    GRID: _("Entri tabel"),
    GRID + SUBMIT_SUFFIX: _("Entri tabel dan pengajuan"),
    MANUAL: _("Entri manual"),
    MANUAL + SUBMIT_SUFFIX: _("Entri manual dan pengajuan"),
    ADMIN: _("Koreksi melalui admin"),
    ADMIN + SUBMIT_SUFFIX: _("Koreksi melalui admin dan pengajuan"),
    IMPORT: _("Impor berkas %(param)s"),
    IMPORT + SUBMIT_SUFFIX: _("Impor berkas %(param)s dan pengajuan"),
    API: _("Kiriman API %(param)s"),
    API + SUBMIT_SUFFIX: _("Kiriman API %(param)s dan pengajuan"),
    IMPORT_BPJS: _("Impor laporan BPJS berkas %(param)s"),
    SUBMITTED: _("Diajukan"),
    VERIFIED: _("Diverifikasi"),
    VERIFIED_JUMP: _("Diverifikasi; lonjakan dijelaskan: %(param)s"),
    APPROVED: _("Disetujui tingkat %(param)s"),
    RETURNED: _("Dikembalikan: %(param)s"),
}


def reason(code, param=None) -> str:
    """The stored form of a reason, cut to the column's length."""
    text = code if param is None else f"{code}:{param}"
    return text[:MAX_LENGTH]


def _split(text):
    code, sep, param = (text or "").partition(":")
    return code, (param if sep else None)


def is_submission(text) -> bool:
    code, _param = _split(text)
    return code == SUBMITTED or code.endswith(SUBMIT_SUFFIX)


def with_submission(text) -> str:
    """The reason of a change that also submits: ``entry.grid`` -> ``entry.grid_submit``."""
    if is_submission(text):
        return text
    code, param = _split(text)
    return reason(code + SUBMIT_SUFFIX, param)


def reason_label(text) -> str:
    """A stored reason in the current language; unknown text as it was stored."""
    code, param = _split(text)
    label = LABELS.get(code)
    if label is None:
        return text or ""
    if "%(param)s" in str(label):
        return str(label) % {"param": param or ""}
    return str(label)
