"""Reports people hand over: the PDF of a region, branch or Kanwil dashboard for a month, the report
jobs (generated in Celery, with progress), and the monthly subscriptions.

- ``pdf``: HTML to PDF (WeasyPrint) with a fetcher that reaches nothing outside the document;
- ``svg``: the dashboards' Plotly figures drawn as SVG on the server;
- ``dashboard``: the report of a dashboard, from the same selectors, charts and panels as the page;
- ``published``: a region's published figures of a year (each month's latest published revision);
- ``jobs``: report kinds (other apps register theirs, e.g. programs' dossier) and the jobs that make them;
- ``subscriptions``: who receives which monthly PDF, the mailing when a month is published, unsubscribing;
- ``views``, ``urls``, ``tasks``, ``receivers``.

Sits above ``dashboards`` (it reads their selectors and charts) and below the top of coverage.
"""
