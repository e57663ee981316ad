"""Reports over the record Herald already keeps: incident metrics (how fast the team
heard, declared, told and fixed) and service credits (which components missed their SLA
in a month and what that owes). Read-only: nothing here writes."""
