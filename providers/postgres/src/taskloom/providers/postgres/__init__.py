"""PostgreSQL for taskloom (placeholder: the manual is written with the hook)."""
