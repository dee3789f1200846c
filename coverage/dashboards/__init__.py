"""What leaders read: dashboards, the league table, charts, maps, the action list, exports, the API
and the weekly digest. Reads snapshots only (never participant counts); never writes them.

- ``selectors``: the region and office dashboards, the league table, the action list;
- ``rows``: snapshot rows as pages use them, the month on offer, and the cache keyed on the
  engine's snapshot versions;
- ``charts`` (Plotly figures from plain rows), ``maps`` (boundaries), ``villages`` (the desa list);
- ``views``, ``exports``, ``api``, ``digest``, ``panels`` (what other apps add to a page), ``urls``.
"""
