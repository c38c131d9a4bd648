"""Operations: the job run log, the scheduler's leader lease, ledger verification."""
