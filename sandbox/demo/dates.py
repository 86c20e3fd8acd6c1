"""Dates as people type them, and days moved to another year."""

from datetime import date, timedelta

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
}  # fmt: skip
# How people type a date of birth into a free-text field, by habit.
BIRTH_FORMATS = {
    "dmy": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "iso": lambda d: d.isoformat(),
    "us": lambda d: f"{MONTHS['en'][d.month - 1]} {d.day}, {d.year}",
    "uk": lambda d: f"{d.day} {MONTHS['en'][d.month - 1]} {d.year}",
    "es": lambda d: f"{d.day} de {MONTHS['es'][d.month - 1]} de {d.year}",
}


def on_year(day: date, year: int) -> date:
    """`day` in another year; 29 February moves to the 28th in a common year."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def date_of_birth(born: tuple[int, int, str] | str | None, today: date) -> str | None:
    if born is None or isinstance(born, str):
        return born
    days, year, style = born
    upcoming = today + timedelta(days=days)
    return BIRTH_FORMATS[style](on_year(upcoming, year))
