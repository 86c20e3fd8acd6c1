"""One package per tool. Nothing outside a connector reads a tool's JSON."""
