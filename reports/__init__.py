"""Coverage dashboards (三个全覆盖) and statistical reports. Filled by a later issue."""
