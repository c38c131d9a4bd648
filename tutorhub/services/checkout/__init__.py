"""Checkout: paying for lessons, gateway webhooks and events, the sandbox's hosted checkout, escrow."""
