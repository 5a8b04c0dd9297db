"""Files in and out: vector files, spreadsheets, CRS detection, column mapping."""
