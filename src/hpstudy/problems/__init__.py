"""The problems a study trains on, one module each, registered by name."""
