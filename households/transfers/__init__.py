"""迁移: moving a family's file to another county (docs/SECURITY.md §Access, "no existence oracle").

The receiving county's staff ask for the family by a member's ID number (``services.transfer_request``); the
sending county's staff accept or refuse (``transfer_accept``, ``transfer_refuse``); on acceptance the household,
its members and its history move to the village the receiver chose, under the receiving county's next number.
"""
