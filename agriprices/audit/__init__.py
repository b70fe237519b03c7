"""The audit trail: who did what that matters to security (sign-ins, second factors,
price reviews, bulletins, broadcasts, Collect keys, API tokens). Rows are only ever
added (``record``) and, past ``AUDIT_RETENTION_DAYS``, pruned; nothing edits them."""
