"""Appointments at the one-stop desk and the queue of the day (đặt lịch hẹn, cấp số thứ tự)."""
