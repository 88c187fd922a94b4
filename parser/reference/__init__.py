"""Reference data loaded beside the documents: the official project lists (repaired into rows)
and Statistics Finland's municipality key (with the matching of place names to its codes)."""
