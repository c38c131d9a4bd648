"""The pure scheduling engine: wall-clock/UTC arithmetic, sweep-line interval algebra, slots, ranking. No database."""
