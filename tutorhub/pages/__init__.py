"""Page views (components only; behaviour lives in tutorhub.state)."""
