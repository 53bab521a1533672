"""Source files in the formats people have them: one module per format, each turning a file's
bytes into a `Source` (HTML pages, PDFs; plain text and Markdown stay in knowledge/corpus.py).

Every reader raises `SourceFormatError` (a ValueError) with a short reason when a file cannot
be read, so the loader skips it with one warning line naming the file, or stops under strict.
"""
