"""RSS 2.0 and Atom feeds of incidents and maintenance."""
