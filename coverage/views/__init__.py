"""Views of the coverage app, split by audience: dashboards (readers) and entry (writers)."""
