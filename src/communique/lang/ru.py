"""Code the Russian profile (`ru.toml`) names: the cases of country names ("России", "Китаем")."""

from collections.abc import Iterable

_HUSHING = "гкхжшчщ"
_VOWELS = "аеёиоуыэюя"


def russian_cases(name: str) -> list[str]:
    """The other case forms of a one-word Russian country name, by its ending (words ending in
    a vowel other than а/я, or in а after a vowel, do not decline: "Перу", "Мали", "Самоа").

    Example:
        >>> russian_cases("Россия"), russian_cases("Китай")
        (['России', 'Россию', 'Россией'], ['Китая', 'Китаю', 'Китаем', 'Китае'])
        >>> russian_cases("Америка")
        ['Америки', 'Америке', 'Америку', 'Америкой']
    """
    if " " in name or "-" in name or not name[-1].isalpha():
        return []
    stem, last = name[:-1], name[-1]
    if name.endswith("ия"):
        return [stem + "и", stem + "ю", stem + "ей"]
    if last == "я":
        return [stem + "и", stem + "е", stem + "ю", stem + "ей"]
    if last == "а" and stem[-1:] in _VOWELS:  # "Самоа" does not decline
        return []
    if last == "а":
        plural = "и" if stem[-1:] in _HUSHING else "ы"
        instrumental = "ей" if stem[-1:] in "жшчщц" else "ой"
        return [stem + plural, stem + "е", stem + "у", stem + instrumental]
    if last == "ь":
        return [stem + "и", stem + "ью"]
    if last == "й":
        return [stem + "я", stem + "ю", stem + "ем", stem + "е"]
    if last in "бвгдзклмнпрстфхцчшщж":
        return [name + "а", name + "у", name + "ом", name + "е"]
    return []


def name_forms(name: str) -> Iterable[str]:
    """The case forms of a country name, and every form with ё written е ("Объединённые")."""
    forms = russian_cases(name)
    return [*forms, *(f.replace("ё", "е") for f in (name, *forms) if "ё" in f)]
