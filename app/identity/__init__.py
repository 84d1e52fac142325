"""Identity: how Awda reads, keys and compares the names and identifiers of people.

`app.core.text` cleans what is typed; this package turns clean text into the keys used for
uniqueness, look-up and record linkage: `identifiers` for camp IDs and case numbers, `names` for
personal names in Arabic and Latin letters. The registry's search, and later the list importer,
the duplicate detection and the watch-list screening, all use these keys and no others.
"""
