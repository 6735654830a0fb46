"""What RectoPlan hands to people: figures and printable summaries."""
