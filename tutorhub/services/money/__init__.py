"""Money: the double-entry ledger, gateway payments, payouts, earnings, promo codes, reconciliation, finance."""
