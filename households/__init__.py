"""The household archive (电子帮扶档案): special families, their members and the child.

Filled by the household-archive issue."""
