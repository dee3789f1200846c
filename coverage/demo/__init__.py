"""Demo data: 36 months of counts, denominators and targets for every kab/kota, telling the real story.

Deterministic (each kab/kota draws from its own seeded generator, so a region's figures do not
depend on which other regions are loaded) and idempotent (re-running replaces the demo rows only).
Every kab/kota has verified BPJS counts for every demo month: no gaps, so nothing is carried over
or missing.

How a region's months are made: each segment (PU, BPU, Jakon, PMI) is a series of counts that
passes exactly through the region's anchors (the figures a dashboard must show on those months)
and grows by a steady monthly rate with a little noise elsewhere. Reported BPU counts exclude the
workers of funded batches (docs/FUNDING.md); the engine adds them back, so an anchor is the figure
shown and the reported count is the anchor minus the batches of that month. Denominators grow a
little each year and a province has none of its own except where a real one exists, which its
kab/kota then add up to exactly.

The story it tells (README, "Demo tour"), with the real figures of DOMAIN.md at their real dates:
- Kota Pangkalpinang, May 2025: PU 24.286 / 47.010, BPU 4.754 / 23.416, total 29.040 / 70.426;
- Kota Malang, June 2025: 134.167 = 32,44% of 413.600, third of Jawa Timur's 38 kab/kota; with
  Kota Surabaya, Kab. Bojonegoro, Kab. Mojokerto and Kab. Jember it makes the Kanwil's "five best"
  (Kab. Gresik and Kab. Sidoarjo close behind);
- Kab. Malang, December 2024: 19,6%, with 2.647 buruh tani tembakau funded by DBHCHT in 2024;
- Kab. Blitar, October 2024: 26,3%; Solok Selatan, September 2024: 18.092 = 16,97%, with 3.360
  petani sawit funded by DBH Sawit;
- Tanah Bumbu, December 2024 against December 2023: PU +8,72%, BPU +81,73%, the BPU jump being
  the ADD batches (8.146 + 2.192 from January 2024) on top of reported BPU growing 5%;
- Bali, March 2025: 935.079 of 1.873.899 employed = 49,90%, as the sum of its kab/kota.
The other kab/kota are drawn so that the nation sits near Kemendagri's actual 35,68% of April 2025
(about 35,7% in the demo). Everything else is invented and the UI says so (DEMO_MODE banner). No
coverage exceeds 100%.

- ``figures``: the fixed figures; ``plans``: a kab/kota's series; ``load``: ``demo_load``.
"""

from .figures import MONTHS, REAL_FIGURES
from .load import demo_load

__all__ = ["MONTHS", "REAL_FIGURES", "demo_load"]
