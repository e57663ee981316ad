"""Signals in: vendors' status feeds, monitoring alerts and what customers are saying.

Each kind of source turns what it hears into *claims* on components (``claims``) and into
*suggested* incidents (``suggestions``). Claims change a component's own status through
app.status.components (a status set by hand wins); suggestions wait for staff to declare
them. Nothing here writes public text: that stays with the communications workflow.
"""
