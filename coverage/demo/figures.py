"""The demo's fixed figures: the real ones of DOMAIN.md at their dates, the story's anchors, sizes,
growth rates, target series and bands."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..models import SeriesKind

DEMO_SOURCE_NOTE = "demo"
FIRST_MONTH = date(2023, 11, 1)
MONTHS = 36  # 2023-11 .. 2026-10
# The month the Jawa Timur ranking is pinned (Kota Malang's reported figure).
STORY_MONTH = date(2025, 6, 1)
SEGMENTS = ("PU", "BPU", "JAKON", "PMI")
KECAMATAN_OF = ["35.73", "35.07", "35.05", "13.11", "63.10"]


@dataclass(frozen=True)
class RealFigure:
    code: str
    period: date
    segments: dict  # participants shown (BPU including funded batches); the split is invented
    denominators: dict  # segment group -> workers, for the period's year
    source: str


# The real figures of DOMAIN.md, entered exactly so that the product reproduces them.
REAL_FIGURES = [
    RealFigure(
        "19.71",
        date(2025, 5, 1),
        {"PU": 24_286, "BPU": 4_754, "JAKON": 0, "PMI": 0},
        {"TOTAL": 70_426, "PU": 47_010, "BPU": 23_416},
        "BPS Kota Pangkalpinang, Sakernas 2024",
    ),
    RealFigure(
        "35.73",
        date(2025, 6, 1),
        {"PU": 98_000, "BPU": 31_500, "JAKON": 3_200, "PMI": 1_467},
        {"TOTAL": 413_600},
        "Sakernas Agustus 2024 (perkiraan dari capaian 32,44%)",
    ),
    RealFigure(
        "35.07",
        date(2024, 12, 1),
        {"PU": 190_000, "BPU": 80_000, "JAKON": 5_320, "PMI": 3_000},
        {"TOTAL": 1_420_000},
        "Sakernas Agustus 2023 (perkiraan dari capaian 19,6%)",
    ),
    RealFigure(
        "35.05",
        date(2024, 10, 1),
        {"PU": 120_000, "BPU": 55_000, "JAKON": 3_470, "PMI": 3_000},
        {"TOTAL": 690_000},
        "Sakernas Agustus 2023 (perkiraan dari capaian 26,3%)",
    ),
    RealFigure(
        "13.11",
        date(2024, 9, 1),
        {"PU": 11_000, "BPU": 6_700, "JAKON": 292, "PMI": 100},
        {"TOTAL": 106_611},
        "Sakernas Agustus 2023 (perkiraan dari capaian 16,97%)",
    ),
    # A province figure: its kab/kota are made to add up to it exactly (no province-level count).
    RealFigure(
        "51",
        date(2025, 3, 1),
        {"PU": 610_000, "BPU": 310_079, "JAKON": 10_000, "PMI": 5_000},
        {"TOTAL": 1_873_899},
        "Sakernas Februari 2025",
    ),
]

# Tanah Bumbu's real growth, December 2024 against December 2023 (DOMAIN.md): PU +8,72% and BPU
# +81,73%, BPU including the ADD batches that start in January 2024. The levels are invented;
# 13.503 is where integer counts come closest to +81,73% (24.539 / 13.503 = 1,8172999) with
# reported BPU (without the 10.338 funded) growing a modest 5,2%.
STORY_ANCHORS = {
    "63.10": [
        (date(2023, 12, 1), {"PU": 25_000, "BPU": 13_503}),
        (date(2024, 12, 1), {"PU": 27_180, "BPU": 24_539}),
    ],
}

# Jawa Timur (demo): population in thousands (Sensus Penduduk 2020, rounded), about 54% of it
# employed, and the total coverage of June 2025; None where a real figure anchors the region.
JATIM = {
    "35.01": (587, 14.8), "35.02": (950, 17.9), "35.03": (731, 16.2), "35.04": (1090, 22.5),
    "35.05": (1223, None), "35.06": (1636, 21.4), "35.07": (2654, None), "35.08": (1120, 15.6),
    "35.09": (2536, 29.6), "35.10": (1708, 23.8), "35.11": (776, 12.9), "35.12": (686, 13.7),
    "35.13": (1153, 14.1), "35.14": (1606, 25.2), "35.15": (2083, 28.6), "35.16": (1120, 30.4),
    "35.17": (1319, 21.0), "35.18": (1103, 18.6), "35.19": (745, 17.2), "35.20": (671, 18.1),
    "35.21": (871, 15.3), "35.22": (1301, 34.1), "35.23": (1199, 22.1), "35.24": (1345, 19.4),
    "35.25": (1312, 29.1), "35.26": (1061, 10.8), "35.27": (970, 9.6), "35.28": (851, 11.4),
    "35.29": (1124, 10.2), "35.71": (287, 27.8), "35.72": (150, 26.9), "35.73": (844, None),
    "35.74": (240, 24.6), "35.75": (209, 23.2), "35.76": (132, 28.1), "35.77": (196, 27.5),
    "35.78": (2874, 36.8), "35.79": (214, 25.9),
}  # fmt: skip
# Bali (demo weights for splitting the real province figures): population in thousands, 2020.
BALI = {"51.01": 317, "51.02": 461, "51.03": 548, "51.04": 515, "51.05": 206, "51.06": 258, "51.07": 492,
        "51.08": 791, "51.71": 726}  # fmt: skip
# Employed population in 2025 (demo) of regions whose funded batches need a realistic size.
SIZED = {"52.03": 620_000, "33.16": 480_000, "63.10": 165_000}

# Monthly growth range and noise (relative) of each segment's participants.
GROWTH = {"PU": (0.002, 0.006, 0.003), "BPU": (0.003, 0.010, 0.005), "JAKON": (-0.002, 0.006, 0.02),
          "PMI": (0.0, 0.005, 0.01)}  # fmt: skip
MAX_PU_COVERAGE = 0.78  # at the story month; growth to the last month keeps it below 90%
MAX_BPU_COVERAGE = 0.45

TARGET_SERIES = [
    # code, name, kind, source document, phasing, {(region code, year): (percent, participants)}
    (
        "rpjpn-2025-2045",
        "RPJPN 2025-2045",
        SeriesKind.RPJPN,
        "UU 59/2024 tentang RPJPN 2025-2045",
        "flat",
        {("ID", 2045): (Decimal("99.50"), None)},
    ),
    (
        "rpjmn-2025-2029",
        "RPJMN 2025-2029",
        SeriesKind.RPJMN,
        "Perpres RPJMN 2025-2029",
        "linear",
        {
            ("ID", 2025): (Decimal("32.15"), None),
            ("ID", 2026): (Decimal("35.09"), None),
            ("ID", 2027): (Decimal("38.03"), None),
            ("ID", 2028): (Decimal("40.98"), None),
            ("ID", 2029): (Decimal("43.92"), None),
        },
    ),
    ("rkp-2026", "RKP 2026", SeriesKind.RKP, "Perpres RKP 2026", "linear", {("ID", 2026): (Decimal("34.99"), None)}),
    (
        "kemendagri-pemda",
        "Target Kemendagri untuk Pemda",
        SeriesKind.KEMENDAGRI,
        "Kemendagri, target UCJ Pemda 2025",
        "linear",
        {("ID", 2025): (Decimal("52.15"), None)},
    ),
    (
        "rpjmd-daerah",
        "RPJMD/Perkada daerah",
        SeriesKind.RPJMD,
        "RPJMD/Perkada masing-masing daerah",
        "linear",
        {
            ("35.73", 2025): (Decimal("41.23"), 176_753),
            ("13.11", 2025): (Decimal("28.30"), None),
            ("51", 2025): (Decimal("67.28"), None),
        },
    ),
]

DEMO_BANDS = [("sangat_rendah", 0, 20), ("rendah", 20, 35), ("sedang", 35, 50), ("tinggi", 50, None)]
