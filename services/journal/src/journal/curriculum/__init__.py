"""Curriculum hours (учебный план) and thematic plans (КТП) of teaching assignments."""
