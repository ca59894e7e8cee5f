"""Documents between organisations: the national interchange axis (edXML packages, transport)."""
