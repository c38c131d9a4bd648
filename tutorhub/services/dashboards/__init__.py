"""What each role sees first after logging in: one read over the lower domains."""
