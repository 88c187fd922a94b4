"""Archive: parsed records and reference data into one SQLite database (sqlite-utils)."""
