"""The annual review (年审) and new applications: the cycle, the workbench per level, the proofs, the public notice.

docs/BENEFITS.md §Special assistance, "Annual cycle". services.py writes, selectors.py reads, views.py is thin.
"""
