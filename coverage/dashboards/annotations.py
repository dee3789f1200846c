"""What the trend chart notes beside its lines (issue #16): explained jumps and the starts of funded
batches, read when the chart is made.

- An **explained jump**: a verifier verified a count that a change rule flagged, with a note
  (``coverage.entry.verification``); the count's history row carries the reason
  ``verified_jump:<note>`` and the note itself (the reason is cut to 100 characters, the note is not).
- The **start of a funded batch**: its first month. Batches belong to the programs app, which
  coverage does not import: programs registers a source here in its AppConfig.ready(), as it does
  its panels (``coverage.dashboards.panels``).

Both are read for the region **and its subtree**: a province's or the nation's figure is the sum of
its kab/kota, so a jump or a batch in Kota Malang moves Jawa Timur's line too. The note says where
(the region's name) when it is not the region itself. The chart lists at most ``charts.MAX_NOTES``
notes of a kind in a month and says how many more there are, so the national chart stays readable.
"""

from django.db.models import Q

from regions.models import NATIONAL_CODE

from ..models import ParticipantCount

JUMP = "jump"
FUNDED = "funded"
# coverage.entry.reasons.VERIFIED_JUMP: the dashboards do not import the entry workflow (its sibling
# layer), they read the code it stores (tests/coverage/test_chart_annotations.py verifies through it).
VERIFIED_JUMP_REASON = "verified_jump:"

_SOURCES = []


def register_annotation_source(source):
    """``source(region=..., start=..., end=...)`` returns notes of the months ``start`` to ``end``
    (first days) for ``region`` and its subtree: dicts with ``period``, ``kind``, ``region_code``,
    ``region_name`` and ``text``."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def subtree_q(region, field="region__code"):
    """``region`` and everything under it, by code prefix (the national root: everything)."""
    if region.code == NATIONAL_CODE:
        return Q()
    return Q(**{field: region.code}) | Q(**{f"{field}__startswith": f"{region.code}."})


def explained_jumps(*, region, start, end):
    """The notes of verified jumps in ``region`` and its subtree between ``start`` and ``end``: one per
    region, month and note (a note given for PU and BPU at once is one note)."""
    history = (
        ParticipantCount.history.filter(subtree_q(region), period__gte=start, period__lte=end)
        .filter(history_change_reason__startswith=VERIFIED_JUMP_REASON)
        .order_by("period", "region__code", "history_date")
        .values_list("period", "region__code", "region__name", "note", "history_change_reason")
    )
    seen, notes = set(), []
    for period, code, name, note, why in history:
        text = (note or "").strip() or why.partition(":")[2]
        if (period, code, text) in seen:
            continue
        seen.add((period, code, text))
        notes.append({"period": period, "kind": JUMP, "region_code": code, "region_name": name, "text": text})
    return notes


def trend_annotations(*, region, periods):
    """Every note of the months ``periods`` (the trend's months), oldest first; jumps before batches
    within a month, the region's own before its subtree's."""
    if not periods:
        return []
    start, end = min(periods), max(periods)
    notes = explained_jumps(region=region, start=start, end=end)
    for source in _SOURCES:
        notes += source(region=region, start=start, end=end)
    shown = set(periods)
    notes = [note for note in notes if note["period"] in shown]
    for note in notes:
        note["own"] = note["region_code"] == region.code
    order = {JUMP: 0, FUNDED: 1}
    return sorted(notes, key=lambda n: (n["period"], order.get(n["kind"], 2), not n["own"], n["region_code"]))
