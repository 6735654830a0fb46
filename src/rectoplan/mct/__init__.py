"""Magnetic compression physics: pure vectorised numerics in SI units (m, T, N, Pa)."""
