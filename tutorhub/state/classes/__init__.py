"""Group classes: find and create classes, a class page."""
