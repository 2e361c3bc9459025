"""Renderers of reports to text; pure functions of the model, no I/O."""
