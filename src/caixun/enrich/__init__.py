"""Text to data: numbers, figures, securities (pure, pluggable stages)."""
