"""Checkout: paying for lessons, gateway webhooks and events, the sandbox's hosted checkout, escrow.

Importing the package wires the payment purposes to their handlers and the sandbox gateway to the
webhook intake (wiring.py), so whichever checkout module is used first, events are applied fully.
"""

from tutorhub.services.checkout.wiring import wire_checkout

wire_checkout()
