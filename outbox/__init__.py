"""Celery work that survives a broker outage: written with the data, sent after the commit, swept up later.

The bottom layer beside fancity.lib: every app queues its work here, and this app imports none of them.
"""
