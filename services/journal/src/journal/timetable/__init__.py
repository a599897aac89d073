"""The timetable: the school's bell schedule, weekly timetables of classes and groups,
and dated lessons generated from them."""
