"""What the dashboard pages show, read through agriprices.selectors: one module per page group."""
