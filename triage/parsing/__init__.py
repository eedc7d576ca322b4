"""Line shapes: bytes to clean lines, times, levels, JSON and text layouts, multi-line folding."""
