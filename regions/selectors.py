"""Reads of the region and office trees, and the one place where a user's scope is decided.

Scope rules (every view, importer and API call goes through these functions):
- admins (superusers or the admin role) may do everything;
- a Pemda operator writes the counts of their region and its subtree, nothing else;
- a verifier verifies the counts of the kab/kota in their branch's territory (and below);
- a branch head reads the dashboards of their branch's territory (a Kanwil: all its branches).
Aggregate dashboards (coverage, rankings) are readable by every signed-in user: rankings are
compared between regions by design. Entry data (drafts, submissions) follows write scope.
"""

from datetime import date

from django.db.models import Q

from .models import NATIONAL_CODE, Kind, Level, Office, OfficeKind, PeerGroup, Region, Role, Territory, UserRole


def region_get(*, code):
    return Region.objects.select_related("parent").get(code=code)


def regions_search(*, term, limit=20):
    return Region.objects.filter(Q(code__startswith=term) | Q(name__icontains=term)).order_by("level", "code")[:limit]


# Peer groups of the league table: the two kinds of kab/kota, then the admin's groups (``PeerGroup``).
PEER_KINDS = (Kind.KOTA, Kind.KABUPATEN)


def peer_groups():
    """The choices of the league table's peer group: ``[(code, label)]``, the kinds first."""
    kinds = [(kind.value, kind.label) for kind in PEER_KINDS]
    return kinds + list(PeerGroup.objects.values_list("code", "name"))


def peer_group_get(*, code):
    """A peer group by its code: ``(code, name)``, or None when there is none."""
    for kind in PEER_KINDS:
        if code == kind.value:
            return (kind.value, kind.label)
    group = PeerGroup.objects.filter(code=code).values_list("code", "name").first()
    return tuple(group) if group else None


def peer_group_codes(*, code):
    """The region codes of a peer group: the regions of that kind, or the admin group's members."""
    if code in {kind.value for kind in PEER_KINDS}:
        return set(Region.objects.filter(kind=code).values_list("code", flat=True))
    return set(PeerGroup.objects.filter(code=code).values_list("regions__code", flat=True)) - {None}


def territory_regions(*, office, day=None):
    """The kab/kota an office serves on ``day``: a branch its own, a Kanwil its branches'."""
    day = day or date.today()
    territories = Territory.objects.valid_on(day)
    if office.kind == OfficeKind.KANWIL:
        territories = territories.filter(office__parent=office)
    else:
        territories = territories.filter(office=office)
    return Region.objects.filter(pk__in=territories.values("region_id")).order_by("code")


def branches_of(*, kanwil):
    return Office.objects.filter(parent=kanwil, kind=OfficeKind.BRANCH).order_by("name")


def user_roles(user):
    """The user's role assignments, cached on the user object for the request."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_ucj_roles", None)
    if cached is None:
        cached = list(UserRole.objects.filter(user=user).select_related("region", "office", "office__parent"))
        user._ucj_roles = cached
    return cached


def user_is_admin(user):
    return user.is_authenticated and (user.is_superuser or any(r.role == Role.ADMIN for r in user_roles(user)))


def user_has_role(user, role):
    return any(r.role == role for r in user_roles(user))


def _within_any(region, roots):
    return any(region.is_within(root) for root in roots)


def editable_roots(user):
    """Regions whose subtree the user may write counts for."""
    return [r.region for r in user_roles(user) if r.role == Role.OPERATOR]


def verifiable_roots(user, day=None):
    roots = []
    for assignment in user_roles(user):
        if assignment.role == Role.VERIFIER:
            roots.extend(territory_regions(office=assignment.office, day=day))
    return roots


# Who acts at a level of the approval chain (``coverage.models.ApprovalActor``'s values).
APPROVER_PEMDA_HEAD, APPROVER_VERIFIER, APPROVER_KANWIL = "pemda_head", "verifier", "kanwil"


def approver_roots(user, actor, day=None):
    """Regions whose subtree the user approves at a level acted by ``actor``: a Pemda head their region,
    a verifier their branch's territory, a Kanwil (a branch head assigned to a Kantor Wilayah) its
    branches' territories. Admins are not listed here: they act everywhere (``approver_scope_q``)."""
    if actor == APPROVER_VERIFIER:
        return verifiable_roots(user, day)
    if actor == APPROVER_PEMDA_HEAD:
        return [r.region for r in user_roles(user) if r.role == Role.PEMDA_HEAD]
    roots = []
    if actor == APPROVER_KANWIL:
        for assignment in user_roles(user):
            office = assignment.office
            if assignment.role == Role.BRANCH_HEAD and office and office.kind == OfficeKind.KANWIL:
                roots.extend(territory_regions(office=office, day=day))
    return roots


def may_act_as_approver(user, actor):
    """Has the user a role that acts at a level of ``actor`` (whatever the regions)?"""
    if actor == APPROVER_VERIFIER:
        return user_has_role(user, Role.VERIFIER)
    if actor == APPROVER_PEMDA_HEAD:
        return user_has_role(user, Role.PEMDA_HEAD)
    return any(r.role == Role.BRANCH_HEAD and r.office and r.office.kind == OfficeKind.KANWIL for r in user_roles(user))


def approver_scope_q(user, actor, prefix="region__code", day=None):
    """The set-based twin of ``approver_roots``: a Q on ``prefix`` (a region code path), or None when the
    user approves nothing at such a level. Admins: every region."""
    if user_is_admin(user):
        return Q()
    roots = approver_roots(user, actor, day)
    return _subtrees_q(roots, prefix) if roots else None


def bpjs_roots(user, day=None):
    """Regions whose subtree the user may load BPJS-reported counts for: the territory of the offices
    where the user is a verifier or a branch head (a Kanwil's: its branches')."""
    roots = []
    for assignment in user_roles(user):
        if assignment.role in (Role.VERIFIER, Role.BRANCH_HEAD) and assignment.office_id is not None:
            roots.extend(territory_regions(office=assignment.office, day=day))
    return roots


def can_load_bpjs_region(user, region, day=None):
    """May ``user`` load the BPJS extraction's figures of ``region``? Admins everywhere; a branch's
    verifiers and branch heads within its territory (the kab/kota it serves and below)."""
    if user_is_admin(user):
        return True
    return _within_any(region, bpjs_roots(user, day))


def can_edit_region(user, region):
    if user_is_admin(user):
        return True
    return _within_any(region, editable_roots(user))


def can_verify_region(user, region, day=None):
    if user_is_admin(user):
        return True
    return _within_any(region, verifiable_roots(user, day))


def can_view_region(user, region):
    """Aggregate dashboards are open to every signed-in user (see module docstring)."""
    return user.is_authenticated


def can_view_office(user, office):
    """Office roll-ups are aggregate dashboards too: open to every signed-in user (module docstring)."""
    return user.is_authenticated


def _subtrees_q(roots, prefix):
    """``prefix`` (a code field path, e.g. ``region__code``) lies in the subtree of one of ``roots``."""
    condition = Q()
    for root in roots:
        if root.code == NATIONAL_CODE:
            return Q()
        condition |= Q(**{prefix: root.code}) | Q(**{f"{prefix}__startswith": f"{root.code}."})
    return condition


def regions_filter_editable(user, queryset, prefix="code"):
    """Restrict a Region queryset (or anything with a region code at ``prefix``) to write scope."""
    if user_is_admin(user):
        return queryset
    roots = editable_roots(user)
    return queryset.filter(_subtrees_q(roots, prefix)) if roots else queryset.none()


def regions_filter_verifiable(user, queryset, prefix="region__code", day=None):
    """Restrict a queryset to the regions the user verifies: the set-based twin of ``can_verify_region``
    (the same roots), used by the verification queue and the verifier's decisions."""
    if user_is_admin(user):
        return queryset
    roots = verifiable_roots(user, day)
    return queryset.filter(_subtrees_q(roots, prefix)) if roots else queryset.none()


def regions_filter_territory(office, queryset, prefix="region__code", day=None):
    """Restrict a queryset to an office's territory (its kab/kota and below; a Kanwil: its branches')."""
    roots = list(territory_regions(office=office, day=day))
    return queryset.filter(_subtrees_q(roots, prefix)) if roots else queryset.none()


def can_review_office(user, office):
    """Office pages with entry data (the source discrepancies): admins, and the branch heads and verifiers
    of the office or of its Kanwil. Aggregate dashboards stay open to everyone (``can_view_office``)."""
    if user_is_admin(user):
        return True
    return any(
        assignment.role in (Role.BRANCH_HEAD, Role.VERIFIER)
        and assignment.office_id is not None
        and assignment.office_id in (office.pk, office.parent_id)
        for assignment in user_roles(user)
    )


def home_office(user):
    for assignment in user_roles(user):
        if assignment.role in (Role.BRANCH_HEAD, Role.VERIFIER):
            return assignment.office
    return None


def home_region(user):
    roots = editable_roots(user)
    return roots[0] if roots else None


def national_region():
    return Region.objects.get(code=NATIONAL_CODE)


def children_of(*, region):
    return Region.objects.filter(parent=region).order_by("code")


def level_label(level):
    return Level(level).label


def can_read_dossier(user, region):
    """The Paritrana / Monev dossier of a region (it holds the Pemda's own notes): admins, the region's
    operators and Pemda heads (of it or an ancestor), and the branch heads and verifiers whose territory
    serves it (or, for a province, part of it)."""
    if user_is_admin(user) or can_edit_region(user, region):
        return True
    roots = [r.region for r in user_roles(user) if r.role == Role.PEMDA_HEAD]
    if _within_any(region, roots):
        return True
    offices = [r.office for r in user_roles(user) if r.role in (Role.BRANCH_HEAD, Role.VERIFIER) and r.office]
    for office in offices:
        served = territory_regions(office=office)
        if any(kabkota.is_within(region) or region.is_within(kabkota) for kabkota in served):
            return True
    return False
