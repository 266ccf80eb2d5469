"""attendance's pages, by audience.

public.py       anyone: the event page and self-registration
portal.py       a participant by their secret link: portal, ticket, "my data", calendar, join link, stream page
coordinator.py  unit coordinators (and organisers): their delegation, quotas, attendance
organiser.py    organisers: scanner devices, the live dashboard, the daftar hadir
reports.py      organisers and coordinators: the attendance recap
online.py       organisers: online attendance of a session and the meeting platform's reports
scanner.py      desk operators: the scanner page and its service worker
"""
