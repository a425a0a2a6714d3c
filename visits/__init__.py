"""Contacts and home visits, the rules and the overdue engine. Filled by the visits issue."""
