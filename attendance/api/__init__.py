"""attendance's API views, by who calls them.

checkins.py  POST /api/v1/checkins/ (scanner devices, operators, organisers)
scanner.py   the scanner's own endpoints: offline bundle, batch, desk search, today's count
lists.py     staff lists: registrations, check-ins (paginated envelopes)
summary.py   the attendance summary per unit, province, day, session (staff)
urls.py      their routes (included by rakor.api_urls)
"""
