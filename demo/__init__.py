"""Demo data for `python3 dev.py run`: the sample county and a user for every role. Never in production."""
