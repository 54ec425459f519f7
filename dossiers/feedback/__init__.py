"""Feedback and complaints of citizens and businesses (phản ánh, kiến nghị — PAKN)."""
