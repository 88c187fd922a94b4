"""Harvest: bring the service's list pages and project pages into the corpus, every version kept.

:mod:`.service` knows the service's addresses, :mod:`.client` is the polite HTTP client (one
request at a time, a delay, robots.txt, conditional requests, bounded retries, time and size
limits), :mod:`.log` the fetch log kept in the corpus, and :mod:`.harvest` the run: a period's
list page first, then the project pages by the codes of that list, a changed description kept
as a new version beside the old.
"""
