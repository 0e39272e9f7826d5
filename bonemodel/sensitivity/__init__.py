"""Sensitivity analysis: local (symbolic forward sensitivities) and global (Morris, Sobol, eFAST).

Every method returns one tidy frame with columns
``output, parameter, index, value, conf_low, conf_high``::

    import bonemodel as bm
    model = bm.load_model("lemaire2004")
    bm.sensitivity.local(model, ["B@100"])                       # d log B(100) / d log p
    bm.sensitivity.morris(model, ["D_R", "k_B"], ["B@100"], n=20)
    bm.sensitivity.sobol(model, ["D_R", "k_B"], ["B@100"], n=256, seed=1)
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
    "sobol",
    "steady",
    "tidy",
    "wide",
]
