"""What a Russian school teaches and when: weekly hours by grade, topics, the school year."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Subject:
    name: str
    # Subjects of one group in a class go to one teacher (a maths teacher takes algebra and
    # geometry too).
    group: str
    hours: dict[int, int]  # grade -> lessons a week
    topics: tuple[str, ...]
    # In grades 1-4 the class's own primary teacher teaches it.
    primary_teacher: bool = False
    marked: bool = True  # ОРКСЭ is taught without marks

    def teacher_group(self, grade: int) -> str:
        """Whose subject this is in a class of `grade`."""
        return "primary" if grade <= 4 and self.primary_teacher else self.group


def _hours(**by_grades: int) -> dict[int, int]:
    """_hours(g1_4=5, g5=5) -> {1: 5, 2: 5, 3: 5, 4: 5, 5: 5}: grades named g<a>[_<b>]."""
    result: dict[int, int] = {}
    for key, value in by_grades.items():
        first, _, last = key[1:].partition("_")
        for grade in range(int(first), int(last or first) + 1):
            result[grade] = value
    return result


SUBJECTS: tuple[Subject, ...] = (
    Subject(
        "Русский язык",
        "russian",
        _hours(g1_4=5, g5=5, g6=6, g7=4, g8_9=3, g10_11=2),
        topics=("Орфография", "Морфология", "Синтаксис", "Пунктуация", "Развитие речи"),
        primary_teacher=True,
    ),
    Subject(
        "Родной язык (русский)",
        "russian",
        _hours(g1_9=1),
        topics=("Язык и культура", "Культура речи", "Текст"),
        primary_teacher=True,
    ),
    Subject(
        "Литературное чтение",
        "primary",
        _hours(g1_3=4, g4=3),
        topics=("Сказки народов России", "Басни И. А. Крылова", "Стихи о природе"),
    ),
    Subject(
        "Литература",
        "russian",
        _hours(g5_6=3, g7_8=2, g9_11=3),
        topics=("А. С. Пушкин", "М. Ю. Лермонтов", "Н. В. Гоголь", "Л. Н. Толстой"),
    ),
    Subject(
        "Английский язык",
        "english",
        _hours(g2_4=2, g5_11=3),
        topics=("Present Simple", "Past Simple", "Reading", "Vocabulary", "Listening"),
    ),
    Subject(
        "Математика",
        "maths",
        _hours(g1_6=4) | {5: 5, 6: 5},
        topics=("Натуральные числа", "Дроби", "Уравнения", "Задачи на движение"),
        primary_teacher=True,
    ),
    Subject(
        "Алгебра",
        "maths",
        _hours(g7_11=3),
        topics=("Линейные уравнения", "Квадратные уравнения", "Функции", "Неравенства"),
    ),
    Subject(
        "Геометрия",
        "maths",
        _hours(g7_11=2),
        topics=("Треугольники", "Параллельные прямые", "Окружность", "Площади фигур"),
    ),
    Subject(
        "Вероятность и статистика",
        "maths",
        _hours(g7_11=1),
        topics=("Случайные события", "Частота", "Комбинаторика"),
    ),
    Subject(
        "Информатика",
        "informatics",
        _hours(g7_11=1),
        topics=("Алгоритмы", "Системы счисления", "Программирование"),
    ),
    Subject(
        "Окружающий мир",
        "primary",
        _hours(g1_4=2),
        topics=("Природа родного края", "Человек и общество", "Безопасная жизнь"),
    ),
    Subject(
        "История",
        "history",
        _hours(g5_11=2),
        topics=("Древний мир", "Средние века", "История России", "Новое время"),
    ),
    Subject(
        "Обществознание",
        "history",
        _hours(g6_9=1, g10_11=2),
        topics=("Человек и общество", "Экономика", "Право", "Политика"),
    ),
    Subject(
        "География",
        "geography",
        _hours(g5_6=1, g7_9=2, g10_11=1),
        topics=("Литосфера", "Климат", "Материки и океаны", "География России"),
    ),
    Subject(
        "Биология",
        "biology",
        _hours(g5_7=1, g8_9=2, g10_11=1),
        topics=("Клетка", "Растения", "Животные", "Человек"),
    ),
    Subject(
        "Физика",
        "physics",
        _hours(g7_8=2, g9=3, g10_11=2),
        topics=("Механика", "Тепловые явления", "Электричество", "Оптика"),
    ),
    Subject(
        "Химия",
        "chemistry",
        _hours(g8_9=2, g10_11=1),
        topics=("Строение атома", "Химические реакции", "Растворы", "Органическая химия"),
    ),
    Subject(
        "Музыка",
        "music",
        _hours(g1_8=1),
        topics=("Музыкальные жанры", "Композиторы России", "Народная музыка"),
    ),
    Subject(
        "Изобразительное искусство",
        "art",
        _hours(g1_7=1),
        topics=("Рисунок", "Живопись", "Декоративное искусство"),
        primary_teacher=True,
    ),
    Subject(
        "Основы религиозных культур и светской этики",
        "primary",
        _hours(g4=1),
        marked=False,
        topics=("Светская этика",),
    ),
    Subject(
        "Труд (технология)",
        "labour",
        _hours(g1_4=1, g5_7=2, g8_9=1),
        topics=("Обработка материалов", "Робототехника", "Черчение"),
        primary_teacher=True,
    ),
    Subject(
        "Основы безопасности и защиты Родины",
        "safety",
        _hours(g8_11=1),
        topics=("Безопасность в быту", "Первая помощь", "Гражданская оборона"),
    ),
    Subject(
        "Основы духовно-нравственной культуры народов России",
        "history",
        _hours(g5_6=1),
        topics=("Традиции народов России", "Семья и ценности"),
    ),
    Subject(
        "Финансовая грамотность",
        "maths",
        _hours(g5_9=1),
        topics=("Семейный бюджет", "Банки", "Налоги"),
    ),
    Subject(
        "Астрономия",
        "physics",
        _hours(g11=1),
        topics=("Солнечная система", "Звёзды", "Галактики"),
    ),
    Subject(
        "Физическая культура",
        "sport",
        _hours(g1_11=3),
        topics=("Лёгкая атлетика", "Гимнастика", "Лыжная подготовка", "Спортивные игры"),
    ),
    Subject(
        "Индивидуальный проект",
        "informatics",
        _hours(g10_11=1),
        topics=("Выбор темы", "Работа с источниками", "Защита проекта"),
    ),
)

# 40 classes: four parallels in grades 1-9, two in 10-11; smaller schools take the first.
LETTERS = "АБВГ"
CLASS_NAMES: tuple[tuple[int, str], ...] = tuple(
    (grade, letter) for letter in LETTERS for grade in range(1, 12) if letter in "АБ" or grade <= 9
)

# A teacher's weekly load in lessons: a full rate (ставка) is 18.
TEACHER_LOAD = 18


def subjects_of(grade: int) -> list[Subject]:
    """The subjects a class of this grade has, in curriculum order."""
    return [s for s in SUBJECTS if s.hours.get(grade)]


@dataclass(frozen=True)
class SchoolYear:
    """An academic year from 1 September with the usual holidays, five days a week."""

    start_year: int

    @property
    def first_day(self) -> date:
        return date(self.start_year, 9, 1)

    @property
    def last_day(self) -> date:
        return date(self.start_year + 1, 5, 29)

    def named_holidays(self) -> list[tuple[str, date, date]]:
        y = self.start_year
        return [
            ("Осенние каникулы", date(y, 10, 27), date(y, 11, 4)),  # 4 November inside it
            ("Зимние каникулы", date(y, 12, 29), date(y + 1, 1, 11)),
            ("День защитника Отечества", date(y + 1, 2, 23), date(y + 1, 2, 23)),
            ("Международный женский день", date(y + 1, 3, 9), date(y + 1, 3, 9)),  # moved
            ("Весенние каникулы", date(y + 1, 3, 23), date(y + 1, 3, 29)),
            ("Праздник Весны и Труда", date(y + 1, 5, 1), date(y + 1, 5, 1)),
            ("День Победы", date(y + 1, 5, 8), date(y + 1, 5, 11)),
        ]

    def holidays(self) -> list[tuple[date, date]]:
        return [(first, last) for _, first, last in self.named_holidays()]

    def periods(self) -> list[tuple[str, int, date, date]]:
        """Quarters and halves (kind, number, first and last day) between the breaks."""
        y = self.start_year
        return [
            ("quarter", 1, self.first_day, date(y, 10, 26)),
            ("quarter", 2, date(y, 11, 5), date(y, 12, 28)),
            ("quarter", 3, date(y + 1, 1, 12), date(y + 1, 3, 22)),
            ("quarter", 4, date(y + 1, 3, 30), self.last_day),
            ("half", 1, self.first_day, date(y, 12, 28)),
            ("half", 2, date(y + 1, 1, 12), self.last_day),
        ]

    def school_days(self, until: date | None = None) -> list[date]:
        """Every day lessons are held, Monday to Friday, up to `until` if given."""
        off = self.holidays()
        days = []
        day = self.first_day
        end = min(self.last_day, until) if until else self.last_day
        while day <= end:
            if day.weekday() < 5 and not any(a <= day <= b for a, b in off):
                days.append(day)
            day += timedelta(days=1)
        return days


def academic_year_of(day: date) -> SchoolYear:
    """The school year `day` falls in (summer belongs to the year that starts next)."""
    return SchoolYear(day.year if day.month >= 7 else day.year - 1)
