"""Who is who, written once: the role sets and scope rules every domain shares (role names: models.ROLES)."""

from __future__ import annotations

# The national roles: they read every university (lists, figures, the network), never act for one.
NATIONAL = ("moe_reviewer", "operator", "process_admin")

# A task for one of these roles belongs to one organisation: only that organisation's holders see it
# (a university's dispatcher, its departments, its students); other roles' tasks are national.
ORG_SCOPED_ROLES = frozenset({"university_admin", "dispatcher", "department_handler", "student"})

# The pilots the programme counts: certified by the ministry (designated) or declared (self_pilot);
# not `applicant` (models.org.PILOT_STATUSES holds every status an org may have).
COUNTED_PILOT_STATUSES = ("designated", "self_pilot")

# Who sets what the universities must do: 育人号 deadlines, reporting periods, assessment rounds.
SETTERS = ("moe_reviewer", "process_admin")
