"""The month-end close: readiness checks and the period jobs in order, as one resumable run."""
