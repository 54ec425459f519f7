"""Models arrive with the intake issue."""
