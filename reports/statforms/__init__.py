"""The statistical reports counties file up the hierarchy (issue 17, docs/REPORTS.md): the forms' layouts (spec),
the figures counted from the records (measures), the reports' lifecycle and completeness."""
