"""What Pemda staff and verifiers do: the entry grid, the import, verification and reminders.

- ``services``: saving counts (scope, closed months, optimistic locking, rules, audit) and submitting;
- ``verification``: the verifier's decisions; ``reminders``: the e-mails before and after the due date;
- ``validation``: the entry rules (errors and warnings, admin thresholds and overrides);
- ``importer``: spreadsheets of counts to checked changes; ``impact``: a planned change's effect;
- ``selectors``: the grid, the queue, the tracker and a cell's history; ``views``, ``forms``, ``urls``.
"""
