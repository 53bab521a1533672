"""I/O faces of citebot: command line, SQLite store and the Discord bot."""
