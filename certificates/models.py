"""Attendance certificates (issue 6): not built yet."""
