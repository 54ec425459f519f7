"""Kho dữ liệu hồ sơ TTHC: the archive of filed dossiers — retention rules and the retention of each finished
dossier (Luật Lưu trữ 2024), every file kept for a dossier whichever store it lives in, logged reads, and the
archive package handed over to the archive of the province. Its models are in `dossiers.models.archive`."""
