"""Sensitivity analysis: local (symbolic forward sensitivities) and global (Morris, Sobol, eFAST).

Every method returns one tidy frame with columns
``output, parameter, index, value, conf_low, conf_high``; outputs are named as in
``bm.sweep`` (``"B@100"``, ``"pct_change(BV@3650)"``, ``"auc(C)"``, ...)::

    import bonemodel as bm
    model = bm.load_model("lemaire2004")
    bm.sensitivity.local(model, ["B@100"])                        # d log B(100) / d log p, every p
    bm.sensitivity.steady(model, ["B", "C"])                      # at the steady state (-J^-1 df/dp)
    bm.sensitivity.morris(model, ["D_R", "k_B", "D_C"], ["B@100"], n=20)
    bm.sensitivity.sobol(model, ["D_R", "k_B", "D_C"], ["B@100"], n=256, seed=1)
    bm.sensitivity.plots.sobol_bars(si)                           # plotly figures of the frames

Global methods take parameter names (ranges and distributions from the parameter files)
or ``{name: (low, high)}`` / ``{name: (low, high, "log")}``, sample with SALib from the
seed, run the design through ``bm.sweep`` (serial, processes or Dask) and analyse it with
the same SALib settings. ``sobol_of``/``morris_of``/``efast_of`` (in their modules) apply
the same pipeline to a plain function of a DataFrame.
"""

from .frames import COLUMNS, tidy, wide
from .local import forward, local, local_timecourse, steady
from .morris import morris
from .sobol import efast, sobol

__all__ = [
    "COLUMNS",
    "efast",
    "forward",
    "local",
    "local_timecourse",
    "morris",
    "plots",
    "sobol",
    "steady",
    "tidy",
    "wide",
]


def __getattr__(name: str):
    # plotly is imported only when a figure is asked for.
    if name == "plots":
        import importlib

        return importlib.import_module(f"{__name__}.plots")
    raise AttributeError(f"module 'bonemodel.sensitivity' has no attribute '{name}'")
