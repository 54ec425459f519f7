"""Pages of the dossier lifecycle, one module per role or stage. Each view parses input, calls one service
or selector, and renders; `common` holds the one action-page pattern they share."""
