"""Everything about SMS. Reads prices only through agriprices.selectors and writes only
through agriprices.services."""
