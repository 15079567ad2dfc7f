"""The log engine: appending entries to the hash chain (one writer per machine, group commit), reading them back
(one reader), following other processes' appends, and rebuilding the projections from the log alone.

It uses the domain (entries, the fold) and the store (tables, statements) and calls nothing above it: whoever
must hear of a commit subscribes to the writer's feed at start-up (rekap/bootstrap.py).
"""
