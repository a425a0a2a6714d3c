"""Special-assistance money, insurance policies and claims, relief. Filled by a later issue."""
