"""The roster (花名册) import and export: docs/ROSTER.md is the contract.

reader (safe opening, calamine) → headers (header row, layout) → validate (whole file, errors and warnings)
→ plan (the diff against the database) → apply (set-based writes). workbook writes the template, the marked
workbook and the export with openpyxl. ``households.roster.services`` ties them together.
"""
