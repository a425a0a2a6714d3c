"""Users, roles and the area scope: every user works at one region node and sees only its subtree."""
