"""The approval chain of Pemda counts: which levels a count goes through, who acts at each, and what
changed since the last decision (docs/ENTRY.md, "Multi-level approval").

The chain of a count is the active ``ApprovalLevel`` rows of its province when it has any, else the
rows without a province; with none at all it is the implicit single level of today's flow: the branch
verifier verifies. ``ParticipantCount.approval_order`` is the order of the highest level the current
submission reached (0 = none): the count awaits the first level above it, and the last level verifies.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from regions.selectors import (
    APPROVER_VERIFIER,
    approver_roots,
    approver_scope_q,
    may_act_as_approver,
    user_is_admin,
)

from ..models import ApprovalActor, ApprovalLevel, CountApproval, EntryStatus, ParticipantCount
from . import validation


@dataclass(frozen=True)
class Step:
    """One level of a chain as the workflow reads it (``level`` is None for the implicit default)."""

    order: int
    name: str
    actor: str
    level: ApprovalLevel | None = None


DEFAULT_STEP = Step(order=1, name=_("Verifikator cabang"), actor=APPROVER_VERIFIER)


@dataclass
class Chains:
    """The configured chains: ``by_province[code]`` for a province's own, ``by_province[None]`` for the rest."""

    by_province: dict

    @property
    def configured(self):
        return bool(self.by_province)

    def chain_for(self, region) -> list:
        province = region.code.split(".")[0]
        return self.by_province.get(province) or self.by_province.get(None) or [DEFAULT_STEP]

    def groups(self):
        """(region condition on ``region__code``, chain) for every chain: the provinces with their own
        chain, then every other region."""
        provinces = [code for code in self.by_province if code is not None]
        out, others = [], Q()
        for code in provinces:
            inside = Q(region__code=code) | Q(region__code__startswith=f"{code}.")
            out.append((inside, self.by_province[code]))
            others &= ~inside
        out.append((others, self.by_province.get(None) or [DEFAULT_STEP]))
        return out


def chains_load() -> Chains:
    """The active levels, in one query."""
    by_province = {}
    for level in ApprovalLevel.objects.filter(is_active=True).select_related("province").order_by("order"):
        code = level.province.code if level.province_id else None
        by_province.setdefault(code, []).append(Step(level.order, level.name, level.actor, level))
    return Chains(by_province)


def next_step(chain, count) -> Step:
    """The level a submitted count awaits: the first above the one reached (the last when past it)."""
    return next((step for step in chain if step.order > count.approval_order), chain[-1])


def reached_step(chain, count) -> Step | None:
    """The highest level the count's submission reached, None before the first approval."""
    reached = [step for step in chain if step.order <= count.approval_order]
    return reached[-1] if reached else None


def is_final(chain, step) -> bool:
    return step.order >= chain[-1].order


def awaiting_q(user, chains) -> Q | None:
    """Submitted counts awaiting a level the user acts at, within the user's scope there (a Q on a
    ParticipantCount queryset), or None when there are none. The verification queue's filter."""
    condition = None
    for region_q, chain in chains.groups():
        previous = 0
        for i, step in enumerate(chain):
            scope = approver_scope_q(user, step.actor)
            if scope is not None:
                waiting = Q(status=EntryStatus.SUBMITTED, approval_order__gte=previous)
                if i < len(chain) - 1:
                    waiting &= Q(approval_order__lt=step.order)
                found = region_q & scope & waiting
                condition = found if condition is None else condition | found
            previous = step.order
    return condition


def in_scope_q(user, chains) -> Q | None:
    """Counts of regions where the user acts at some level of their chain, whatever their status."""
    condition = None
    for region_q, chain in chains.groups():
        for actor in {step.actor for step in chain}:
            scope = approver_scope_q(user, actor)
            if scope is not None:
                found = region_q & scope
                condition = found if condition is None else condition | found
    return condition


def counts_awaiting(user, queryset, chains=None):
    """``queryset`` restricted to the counts awaiting the user's decision."""
    condition = awaiting_q(user, chains or chains_load())
    return queryset.none() if condition is None else queryset.filter(condition)


class Approver:
    """May the user act at a step for a region? Roots are read once per actor."""

    def __init__(self, user):
        self.user, self.admin, self._roots = user, user_is_admin(user), {}

    def may_act(self, step, region) -> bool:
        if self.admin:
            return True
        if step.actor not in self._roots:
            self._roots[step.actor] = approver_roots(self.user, step.actor)
        return any(region.is_within(root) for root in self._roots[step.actor])


def may_decide_region(user, region, chains=None) -> bool:
    """Does the user decide at some level of ``region``'s chain (and so may read its counts' history)?"""
    approver = Approver(user)
    return any(approver.may_act(step, region) for step in (chains or chains_load()).chain_for(region))


def may_approve(user) -> bool:
    """Has the user a queue at all: admins, verifiers, and whoever acts at a configured level."""
    if user_is_admin(user) or may_act_as_approver(user, APPROVER_VERIFIER):
        return True
    # The roles first: the chain is read only for a user who could act at one of its levels.
    actors = [actor for actor in ApprovalActor.values if may_act_as_approver(user, actor)]
    return bool(actors) and ApprovalLevel.objects.filter(is_active=True, actor__in=actors).exists()


# --- what changed since the last decision --------------------------------------------------------


def changes_since_last_decision(counts) -> dict:
    """By count pk: ``[(label, old, new)]`` of the measures that differ from what the last decision
    (an approval or a return, at any level) saw, read from the count's history at the version the
    decision left. Counts never decided on are left out. Two queries."""
    counts = list(counts)
    if not counts:
        return {}
    latest = dict(
        CountApproval.objects.filter(count_id__in=[c.pk for c in counts])
        .order_by("count_id", "-decided_at", "-id")
        .distinct("count_id")
        .values_list("count_id", "count_version")
    )
    if not latest:
        return {}
    history = ParticipantCount.history.model.objects.filter(
        id__in=list(latest), version__in=set(latest.values())
    ).order_by("id", "version", "history_date")
    seen = {(record.id, record.version): record for record in history}
    out = {}
    for count in counts:
        record = seen.get((count.pk, latest.get(count.pk)))
        if record is None:
            continue
        out[count.pk] = [
            (validation.MEASURE_LABELS[name], getattr(record, name), getattr(count, name))
            for name in validation.MEASURES
            if getattr(record, name) != getattr(count, name)
        ]
    return out
