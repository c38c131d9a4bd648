"""Messaging: chat, in-app notifications and their channel preferences, the outbox and its delivery."""
