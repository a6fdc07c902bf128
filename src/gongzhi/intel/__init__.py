"""Appeal intelligence without Django: text preparation, routing classifier (see docs/intel.md)."""
