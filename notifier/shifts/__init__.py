"""Shifts: detect coverage shifts from stored readings, record them, replay a stream."""
