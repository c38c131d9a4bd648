"""Operations: the job run log, the scheduler's leader lease, ledger verification, readiness and
metrics (health), backup and restore."""
