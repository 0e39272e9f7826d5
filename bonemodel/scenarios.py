"""Named scenarios: conditions and interventions, combined with ``+``.

Model-specific experiments (e.g. Lemaire 2004's Fig. 2 infusions) live with their model
(``model.scenarios``); the clinical conditions and interventions of the inflammation model
live here. ``REGISTRY`` maps a name to a zero-argument constructor, for the command line.
"""

from __future__ import annotations

from collections.abc import Callable

from .scenario import Scenario, Window, combine

__all__ = ["REGISTRY", "Scenario", "Window", "combine"]

REGISTRY: dict[str, Callable[[], Scenario]] = {}
