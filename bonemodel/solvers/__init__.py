"""Solver paths: scipy for single runs (:mod:`.scipy_path`), the batched Rosenbrock solver for
ensembles (:mod:`.batch`, compiled with numba in :mod:`.batch_numba`).

Where the paths agree
---------------------
``simulate`` (odeint/LSODA or a ``solve_ivp`` method), ``simulate(method="rodas4")`` and a
sweep (``method="scipy"``, ``"numpy"`` or ``"numba"``) give a parameter set the same status
by construction wherever one of these rules decides, each applied alike on every path and
reported in the same words:

- before anything is integrated: parameter values that are not finite or below their lower
  bound, initial states that are not finite or negative;
- where each scenario segment starts (:func:`.batch.start_problems`): a right-hand side or
  Jacobian that is not finite; a state beyond :data:`.batch.LIMIT` (1e150) in magnitude, a rate
  beyond 1e150 times its tolerance, or a Jacobian entry beyond 1e150 per day (no physical
  quantity comes near; beyond them double precision runs out and the integrators' error
  norms overflow);
- after the run: a state that went materially negative; an observable that is NaN (undefined,
  e.g. 0/0) where the run starts or ends; for a sweep, an output that is NaN (``time_to``
  excepted: NaN there means the level was never crossed). An infinite value is not a
  failure: it is the IEEE limit of x/0 (a parameter at zero), computed alike everywhere.

One exception: a Jacobian that is not finite only in the columns of states at exactly 0 (a
power ``P**g`` of a state starting at 0, whose slope is infinite there for 0 < g < 1 and, written
``g*P**g/P``, 0/0 for any g, while the rate is finite). The scipy path (``simulate`` and the
sweep's ``method="scipy"``) integrates such a run with forward differences in those columns and
says so in ``Solution.meta["jacobian"]``; the Rosenbrock solver, which needs the Jacobian at
every step, still refuses it at the start.

Inside these limits LSODA and the Rosenbrock solver are still two different integrators.
Measured on lemaire2004 and komarova2003 with each parameter in turn at 0 and at 1e±20, 1e±50,
1e±100, ..., 1e±300 (629 cases): simulate and the three sweep paths give the same status in
600, the sweep paths the same words in 568. The other 29 are problems so stiff or so badly
scaled that one integrator gives up and the other does not: time scales below about 1e-20 day from exponents or rate constants far outside
their ranges (LSODA may stop with "repeated convergence failures" where RODAS4 succeeds, or
RODAS4 with "the step size underflowed" where LSODA succeeds), and states spanning more than
the ~16 digits of a double (e.g. 1e45 beside 1e-2), where the linear algebra of numpy and of
the numba solver can round differently. At values exactly on a limit, round-off decides.
"""
