"""Checkout: paying for lessons, gateway webhooks and events (dispatched by payment purpose through
purposes.HANDLERS), the sandbox's hosted checkout and subscription renewals, escrow and disputes."""
