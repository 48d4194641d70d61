"""Operations: backing up and restoring the database (`flask backup`, `flask restore`), and the app's own
background work (`jobs`)."""
