"""Messaging's own projection of the people of each school (from journal's roster and
teaching events and auth's staff accounts): what mail needs to resolve addressing groups
and to decide who may write to whom at send time."""
