"""Raw files (checksummed fetching) and the prepared-splits format every problem writes."""
