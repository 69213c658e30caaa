"""Public and API routes: one module per domain noun (issuers, credentials, status)."""
