"""The signed-in homes."""
