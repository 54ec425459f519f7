"""Satisfaction survey after the result is delivered (phiếu đánh giá mức độ hài lòng)."""
