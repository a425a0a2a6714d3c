"""The administrative tree: county → town/street → village/community, with national division codes."""
