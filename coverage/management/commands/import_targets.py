from coverage.entry.reference import targets_import

from ._reference import ReferenceCommand


class Command(ReferenceCommand):
    help = (
        "Load target values (.xlsx/.csv: seri, kode_wilayah, tahun, target_persen and/or target_peserta, sumber) "
        "as an admin. All-or-nothing; --dry-run shows the diff only."
    )
    load = staticmethod(targets_import)
