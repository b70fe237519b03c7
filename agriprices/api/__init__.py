"""The public JSON API, version 1. Views call selectors and services only."""
