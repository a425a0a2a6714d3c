"""Four-on-one contacts (四对一): the people who serve and their assignment to households.

Filled by the contacts issue."""
