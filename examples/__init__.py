"""Scripts that reproduce published figures (installed as ``bonemodel.examples``).

Each script defines ``reproduce(out, *, quick=False) -> pandas.DataFrame`` that writes its
plotly figures (HTML) into the folder ``out`` and returns the comparison table with columns
``figure, quantity, ours, published, unit, source``; run directly, it prints that table.
"""
