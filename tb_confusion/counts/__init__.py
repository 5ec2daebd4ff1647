"""Accumulated steps: per-element (per-pixel) confusion statistics summed batch by batch and merged across
workers (accumulator: the public Accumulator; kernel: one batch's sums; state: the sums and the numbers
they give; statistics: the reading side's view of them; distributed: merging across processes)."""
