from coverage.entry.reference import denominators_import

from ._reference import ReferenceCommand


class Command(ReferenceCommand):
    help = (
        "Load denominators (.xlsx/.csv: kode_wilayah of a kab/kota, tahun, kelompok TOTAL/PU/BPU, penduduk_bekerja, "
        "sumber, catatan) as an admin: each change is a new revision and the engine recomputes its year. "
        "All-or-nothing; --dry-run shows the diff only."
    )
    load = staticmethod(denominators_import)
