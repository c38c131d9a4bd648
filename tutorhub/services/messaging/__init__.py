"""Messaging: chat conversations and messages, in-app notifications and their channel preferences."""
