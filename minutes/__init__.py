"""Minutes (notulen) of each session and the follow-up register (tindak lanjut).

policy.py     who may see, edit, review, finalise (the permission matrix)
markup.py     Markdown → sanitised HTML (markdown + nh3), for pages and PDFs
services.py   every write, in transaction.atomic(), with revisions and audit entries
selectors.py  reads: the attendance block, revisions, diffs, the register
views.py, views_register.py, urls.py, forms.py, consumers.py (presence), documents.py (PDF, XLSX)
"""
