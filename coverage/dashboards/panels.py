"""Panels other apps add to the region dashboard (the programs app's funding panel).

coverage does not import the apps built on it: an app registers a panel in its AppConfig.ready()
and the region page renders every registered panel that applies.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    """``context(region=..., period=...)`` returns the template context, or None when the panel
    does not apply to that region or month; ``template`` renders it on the page, ``print_template``
    (default: ``template``) in the PDF report (coverage.reports)."""

    name: str
    template: str
    context: object
    print_template: str = ""


_PANELS: dict[str, Panel] = {}


def register_panel(*, name, template, context, print_template=""):
    _PANELS[name] = Panel(name=name, template=template, context=context, print_template=print_template)


def panels_for(*, region, period, printed=False):
    """(template, context) of each registered panel that applies to ``region`` in ``period``; with
    ``printed``, the panel's print template."""
    if period is None:
        return []
    found = []
    for panel in _PANELS.values():
        context = panel.context(region=region, period=period)
        if context is not None:
            found.append(((panel.print_template or panel.template) if printed else panel.template, context))
    return found
