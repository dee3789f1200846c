"""Reads of the coverage app: dashboards read snapshots only; entry reads counts."""
