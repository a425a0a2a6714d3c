"""Insurance for special families (docs/BENEFITS.md §Insurance): the county's yearly group policies, the
enrolment of every eligible person, claims with their document checklist, and the benefit a product gives."""
