"""Billing: credit minutes, packs, plans and subscriptions, the wallet, lead credits."""
