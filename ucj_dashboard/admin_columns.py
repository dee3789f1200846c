"""Admin list columns that print a figure the Indonesian (or English) way.

Django groups no digits itself (``USE_THOUSAND_SEPARATOR = False``, so ids and years stay "2025"),
so a count column goes through ``ucj_dashboard.formats`` like every other page: 134.167, not 134167.
"""

from django.contrib import admin

from .formats import format_number


def figure(model, name):
    """A ``list_display`` column for the integer field ``name`` of ``model``, sortable, with its label."""
    field = model._meta.get_field(name)

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj):
        return format_number(getattr(obj, name))

    column.__name__ = f"{name}_figure"
    return column
