"""Pure domain logic: plain values and frames in, plain values and frames out. No I/O."""
