"""Pure cleaning stages: HTML repair and sanitizing, dates, slugs, titles."""
