"""Pages and panels of the video rooms (issue 19)."""
