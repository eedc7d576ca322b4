"""Sources turn a back end (files, stdin, Elasticsearch/OpenSearch, CloudWatch, CSV) into the event table.

Every source implements the small protocol in `triage.sources.base`; the UI and the
headless commands treat them all alike.
"""
