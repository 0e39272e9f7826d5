"""The inflammation-bone model: Pivonka 2008 extended, module by module, with the signals the
thesis says govern bone (registered as ``"inflammation"``).

Modules (each its own file and parameter file ``parameters/inflammation_<module>.toml``; any
subset can be switched on, in the canonical order below)::

    cytokines   TNF-alpha, IL-1beta, IL-6 (NF-kB), CRP
    resolution  pro-resolving mediators from omega-3          (needs cytokines)
    antitnf     anti-TNF antibody PK, neutralises TNF          (needs cytokines)
    methotrexate  conventional DMARD: lowers RA activity       (needs cytokines)
    couplings   cytokines -> RANKL, OPG, osteoclasts, osteoblasts (needs cytokines)
    estrogen    menopause: RANKL, OPG, osteoclast lifespan, T-cell cytokines
    lifespan    age; bioavailable estradiol falling with age in men   (needs estrogen)
    precursors  osteoclast-precursor pool (fills while RANKL is blocked)
    sites       trabecular/cortical compartments, spine/hip mixes, clinical time scales
    mineral     osteoid, primary/secondary mineralisation, calcium/vitamin D/magnesium, PTH (needs sites)
    metabolic   insulin resistance, glycaemia -> ROS, AGEs
    mechanical  loading -> osteocyte sclerostin (mechanostat)
    denosumab   anti-RANKL antibody PK/PD
    bisphosphonates  alendronate, zoledronate: plasma, bone-bound drug, osteoclast action
    teriparatide  PTH 1-34 PK; PTH's catabolic and anabolic arms
    romosozumab anti-sclerostin antibody PK/PD                 (needs mechanical)
    quality     tissue mineral density, trabecular perforation, matrix AGEs -> strength (needs sites)
    glucocorticoid  prednisolone-equivalent dose: osteoblasts, RANKL, quality, inflammation
    outputs     clinical observables and the fracture-risk index (needs sites)

With ``modules=()`` the model is Pivonka 2008 itself (same equations, parameters, states).

Examples
--------
>>> import bonemodel as bm
>>> model = bm.load_model("inflammation")
>>> "bmd_spine_pct" in model.observable_names
True
>>> core = build(modules=())
>>> core.state_names
['OBp', 'OBa', 'OCa', 'BV']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ...errors import ModelError, suggest
from ...model import Model
from .. import pivonka2008
from . import (
    antitnf,
    bisphosphonates,
    couplings,
    cytokines,
    denosumab,
    estrogen,
    glucocorticoid,
    lifespan,
    mechanical,
    metabolic,
    methotrexate,
    mineral,
    outputs,
    precursors,
    quality,
    resolution,
    romosozumab,
    sites,
    teriparatide,
)

MODULES = {
    "cytokines": cytokines,
    "resolution": resolution,
    "antitnf": antitnf,
    "methotrexate": methotrexate,
    "couplings": couplings,
    "estrogen": estrogen,
    "lifespan": lifespan,
    "precursors": precursors,
    "sites": sites,
    "mineral": mineral,
    "metabolic": metabolic,
    "mechanical": mechanical,
    "denosumab": denosumab,
    "bisphosphonates": bisphosphonates,
    "teriparatide": teriparatide,
    "romosozumab": romosozumab,
    "quality": quality,
    "glucocorticoid": glucocorticoid,
    "outputs": outputs,
}
"""Module name -> Python module with ``module(model) -> Module``, in the order they are applied."""

ALL = tuple(MODULES)

DEFAULT = ALL
"""The modules of the calibrated flagship: all of them."""

DRUGS = ("methotrexate", "denosumab", "bisphosphonates", "teriparatide", "romosozumab", "glucocorticoid")
"""The drug modules: inert until their drug is dosed."""

WITHOUT_DRUGS = tuple(m for m in ALL if m not in DRUGS)
"""The flagship without its drug modules: the same results for every undosed scenario, at a
fraction of the cost where cost grows with states and parameters (forward sensitivities of every
parameter: ``bm.load_model("inflammation", modules=WITHOUT_DRUGS)``)."""

__all__ = ["ALL", "DEFAULT", "DRUGS", "MODULES", "WITHOUT_DRUGS", "build"]


def build(modules: Iterable[str] | None = None) -> Model:
    """The inflammation model with the given modules (default: :data:`DEFAULT`) on the Pivonka 2008 core.

    Parameters
    ----------
    modules
        Names from :data:`ALL`, in any order; they are applied in the canonical order.
        ``()`` gives Pivonka 2008 unchanged (renamed "inflammation").

    Returns
    -------
    Model
        The model named ``"inflammation"``, simulated for 10 years (3652.5 days) by default.

    Raises
    ------
    ModelError
        If a module name is unknown (with a "did you mean").
    """
    chosen = DEFAULT if modules is None else tuple(modules)
    unknown = [m for m in chosen if m not in MODULES]
    if unknown:
        raise ModelError(
            f"unknown inflammation module '{unknown[0]}'{suggest(unknown[0], ALL)}; choose from {list(ALL)}"
        )
    model = pivonka2008.build()
    for name in ALL:
        if name in chosen:
            model = model.extend(MODULES[name].module(model))
    label = (
        "the calibrated modules"
        if set(chosen) == set(DEFAULT)
        else "all modules"
        if set(chosen) == set(ALL)
        else f"modules {list(m for m in ALL if m in chosen)}"
    )
    return replace(
        model,
        name="inflammation",
        description=(
            "Inflammation-bone model: the Pivonka 2008 core extended with cytokines, resolution, "
            "estrogen, metabolic, mechanical, mineral, bone-quality and drug modules "
            f"({label})."
        ),
        default_t_end=3652.5,
        outputs=_named_outputs(model),
    )


def _named_outputs(model: Model) -> dict[str, str]:
    """Ten-year clinical endpoints by name (for sweeps: ``outputs=["bmd_change_10y"]``)."""
    wanted = {
        "bmd_change_10y": "bmd_spine_pct@3652.5",
        "bmd_hip_change_10y": "bmd_hip_pct@3652.5",
        "fracture_rr_hip_10y": "fracture_rr_hip@3652.5",
        "fracture_rr_vertebral_10y": "fracture_rr_vertebral@3652.5",
    }
    return {k: v for k, v in wanted.items() if v.split("@")[0] in model.observable_names}
