"""Customer portal pages. Reads go through the permission engine (404 outside it), writes through services."""
