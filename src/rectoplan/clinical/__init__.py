"""The case and pure clinical arithmetic: no I/O, imports nothing of the project but evidence."""
