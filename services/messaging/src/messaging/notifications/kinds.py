"""The kinds of notification and the categories people turn on and off."""

CATEGORIES: dict[str, tuple[str, ...]] = {
    "marks": ("mark_posted", "mark_changed", "mark_removed"),
    "attendance": ("attendance_marked", "attendance_cleared"),
    "homework": ("homework_set", "homework_cleared"),
    "final_marks": ("final_mark_set", "final_mark_removed"),
    "periods": ("period_closed",),
    "reports": ("report_ready", "check_completed", "year_sealed"),
    "letters": ("progress_letter",),
}
CATEGORY_OF: dict[str, str] = {
    kind: category for category, kinds in CATEGORIES.items() for kind in kinds
}
KINDS = tuple(CATEGORY_OF)
