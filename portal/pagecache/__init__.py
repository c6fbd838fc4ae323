"""Which version of the published content a page was rendered from.

Every committed write that can change what a page shows moves one number on by one (the page
generation, the sum of a few rows so that writers do not queue on one); a rendered page kept
with the number it was rendered under is still exact while the number has not moved. The
number lives in the database, so every process and every host agrees on it
(portal/web/page_cache.py keeps the pages).
"""
