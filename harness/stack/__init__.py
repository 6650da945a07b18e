"""The system under test: the seam every stack implements (handle.py) and the reference stack (stack.py)."""
