"""A region's published figures: what a dossier may print (never a provisional or unpublished month)."""

from django.db.models import OuterRef, Subquery

from ..dashboards.rows import snapshot_rows
from ..models import Snapshot


def published_rows(*, region, year):
    """The months of ``year`` that were published, oldest first: each month's latest published revision
    (a correction published after a reopen is revision 2, and says so), as the dashboards' rows."""
    newest = (
        Snapshot.objects.filter(region=region, period=OuterRef("period"), is_published=True)
        .order_by("-revision")
        .values("revision")[:1]
    )
    published = Snapshot.objects.filter(region=region, year=year, is_published=True, revision=Subquery(newest))
    return snapshot_rows(published.order_by("period"))
