"""What Fairfile never uses to score anyone, with the reason for each, enforced in code.

A field name is compared after normalisation: it is split into words at separators, case
changes and digits (``Date_of_Birth``, ``dateOfBirth`` and ``DATE-OF-BIRTH`` all become
``date of birth``). A name is prohibited by an entry when

* the whole name, or any run of up to four consecutive words joined together, equals one
  of the entry's ``terms`` (so ``customer_age`` matches ``age`` but ``average`` does not),
  or
* the whole name, words joined, contains one of the entry's ``stems``, kept for words
  distinctive enough to match anywhere (``merchantName``, ``merchant_category_code``).

``check_fields`` refuses every field that is prohibited or that the contract does not know.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from ..errors import ContractViolation, FieldProblem, Offence
from .features import FEATURE_NAMES


class ProhibitedCategory(StrEnum):
    """The four families of prohibited data."""

    SOCIAL = "social"
    BEHAVIOURAL = "behavioural"
    LOCATION = "location"
    PROTECTED = "protected"


@dataclass(frozen=True)
class Prohibition:
    """One prohibited kind of data, the names that denote it, and why it is refused."""

    key: str
    category: ProhibitedCategory
    reason: str
    terms: frozenset[str]
    stems: frozenset[str] = frozenset()


def _entry(
    key: str, category: ProhibitedCategory, reason: str, terms: str, stems: str = ""
) -> Prohibition:
    return Prohibition(key, category, reason, frozenset(terms.split()), frozenset(stems.split()))


_S, _B, _L, _P = (
    ProhibitedCategory.SOCIAL,
    ProhibitedCategory.BEHAVIOURAL,
    ProhibitedCategory.LOCATION,
    ProhibitedCategory.PROTECTED,
)

PROHIBITED: tuple[Prohibition, ...] = (
    _entry(
        "contacts",
        _S,
        "Whom a person knows says nothing about their own repayments, and exposes people "
        "who never consented.",
        "contacts contactlist addressbook phonebook calllog calllogs smslog",
        "contactlist addressbook phonebook",
    ),
    _entry(
        "social_network",
        _S,
        "Friends, followers and social-network activity judge a person by their circle and "
        "reproduce its disadvantages; none of it is a financial fact.",
        "friends friend followers following socialgraph socialmedia socialnetwork",
        "socialnetwork socialgraph socialmedia facebook twitter instagram linkedin tiktok",
    ),
    _entry(
        "merchants",
        _B,
        "Merchant names reveal where a person shops, prays or seeks care (proxies for "
        "protected attributes); Fairfile keeps only financial aggregates.",
        "mcc payee payeename creditorname debtorname counterpartyname remittanceinformation "
        "transactiondescription description narrative",
        "merchant",
    ),
    _entry(
        "purchase_categories",
        _B,
        "What a person buys is behaviour, not capacity or willingness to repay, and "
        "categories such as health, religion or baby goods betray protected attributes.",
        "purchasecategory purchasecategories spendingcategory spendcategory "
        "transactioncategory categorycode shopping basket products",
        "purchasecategor spendingcategor shopping",
    ),
    _entry(
        "gaming_and_gambling",
        _B,
        "Gaming and gambling activity is behavioural profiling; the contract already sees "
        "its financial effect in balances and late payments.",
        "gaming gambling betting casino lottery games",
        "gambling",
    ),
    _entry(
        "browsing",
        _B,
        "Browsing and search history is surveillance of private life and a proxy for "
        "protected attributes.",
        "browsing browserhistory webhistory searchhistory clickstream urls url cookies",
        "browsing clickstream",
    ),
    _entry(
        "app_usage",
        _B,
        "Installed apps, screen time and device traits proxy for income group, age and "
        "health without saying anything about repayment.",
        "appusage installedapps apps screentime devicemodel devicetype batterylevel",
        "appusage installedapp screentime",
    ),
    _entry(
        "time_of_day",
        _B,
        "When someone spends (night shifts, sabbath, prayer times, caring duties) proxies for "
        "religion, disability and family status.",
        "timeofday hourofday dayofweek weekday weekend transactiontime bookingtime "
        "nighttime latenight",
        "timeofday hourofday",
    ),
    _entry(
        "fine_location",
        _L,
        "Location finer than a coarse region reproduces redlining, a proxy for race and "
        "ethnicity; Fairfile keeps at most a handful of region codes.",
        "postcode zip zipcode postalcode address street city town neighborhood neighbourhood "
        "censustract tract county gps lat lon lng latitude longitude geolocation geohash "
        "coordinates ipaddress ip location",
        "postcode zipcode postalcode latitude longitude geolocation geohash censustract "
        "streetaddress homeaddress",
    ),
    _entry(
        "sex_and_gender",
        _P,
        "A protected characteristic under equal-credit law (sex; gender identity and sexual "
        "orientation under the CFPB's reading of ECOA).",
        "sex gender sexualorientation pregnancy pregnant title salutation "
        # German, French, Spanish
        "geschlecht sexe genre sexo genero",
        "gender sexualorientation",
    ),
    _entry(
        "age",
        _P,
        "A protected characteristic under equal-credit law; Fairfile uses no age or birth "
        "date at all.",
        "age ages ageyears yearsalive yearsold dob dateofbirth birthdate birthday birthyear "
        "yearofbirth yearborn "
        # German, French, Spanish
        "alter geburtsdatum geburtsjahr lebensalter edad fechadenacimiento datedenaissance",
        "dateofbirth birthdate yearofbirth",
    ),
    _entry(
        "race_and_ethnicity",
        _P,
        "Race, colour and ethnicity are protected characteristics; using them or their "
        "proxies is discrimination.",
        "race ethnicity ethnic colour color skincolour skincolor",
        "ethnicit",
    ),
    _entry(
        "religion",
        _P,
        "Religion is a protected characteristic.",
        "religion religious faith church mosque synagogue temple confession denomination "
        # German, French, Spanish
        "konfession religionszugehoerigkeit religiositaet religiosidad",
        "religio",
    ),
    _entry(
        "marital_status",
        _P,
        "Marital and family status are protected characteristics.",
        "marital maritalstatus married spouse partner divorced widowed familystatus children "
        "dependants dependents personalstatus civilstatus peopleliable relationship "
        "relationshipstatus householdtype "
        # German, French, Spanish
        "familienstand personenstand ehestand situationfamiliale etatcivil estadocivil "
        "situacionfamiliar",
        "maritalstatus personalstatus civilstatus",
    ),
    _entry(
        "national_origin",
        _P,
        "National origin, nationality and immigration status are protected characteristics.",
        "nationality citizenship nationalorigin countryofbirth placeofbirth immigrationstatus "
        "visastatus passport language foreignworker foreigner migrant residencepermit origin "
        "native nativeborn ancestry "
        # German, French, Spanish
        "staatsangehoerigkeit staatsangehorigkeit nationalitaet herkunft auslaender "
        "nationalite nacionalidad origen",
        "nationalit citizenship immigration foreignworker",
    ),
    _entry(
        "disability_and_health",
        _P,
        "Disability and health are protected and special-category data.",
        "disability disabled health medical diagnosis handicap "
        # German, French, Spanish
        "behinderung schwerbehinderung discapacidad",
        "disabilit",
    ),
    _entry(
        "public_assistance_status",
        _P,
        "Receiving public assistance is a prohibited basis under ECOA: benefits count as "
        "income exactly like payroll, and whether someone receives them is never a feature.",
        "publicassistance welfare benefitsrecipient benefitrecipient receivesbenefits",
        "publicassistance",
    ),
)

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def words(name: str) -> tuple[str, ...]:
    """Split a field name into lower-case words, accents folded.

    >>> words("Date_of_Birth"), words("merchantName"), words("customerAGE")
    (('date', 'of', 'birth'), ('merchant', 'name'), ('customer', 'age'))
    >>> words("Staatsangehörigkeit"), words("féminin : mariée")
    (('staatsangehorigkeit',), ('feminin', 'mariee'))
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return tuple(w.lower() for w in _WORDS.findall(folded))


def _normalise(name: str) -> str:
    """Return the field name with case and separators removed.

    >>> _normalise("Rent-On-Time 12m") == _normalise("rent_on_time_12m")
    True
    """
    return "".join(words(name))


#: A term's words may stand this many words apart ("number of people being liable").
MAX_GAP = 3


def _gapped(parts: tuple[str, ...]) -> set[str]:
    """Return the two- and three-word terms whose words stand in order with gaps between.

    >>> sorted(_gapped(("people", "being", "liable")))
    ['beingliable', 'peoplebeing', 'peoplebeingliable', 'peopleliable']
    """
    out: set[str] = set()
    n = len(parts)
    for i in range(n):
        for j in range(i + 1, min(n, i + MAX_GAP + 2)):
            out.add(parts[i] + parts[j])
            for k in range(j + 1, min(n, j + MAX_GAP + 2)):
                out.add(parts[i] + parts[j] + parts[k])
    return out


def prohibition_for(name: str) -> Prohibition | None:
    """Return the prohibited-list entry ``name`` falls under, or ``None``.

    >>> prohibition_for("dob").key, prohibition_for("merchantName").key
    ('age', 'merchants')
    >>> prohibition_for("avg_eom_balance") is None
    True
    """
    parts = words(name)
    whole = "".join(parts)
    grams = {whole}
    for size in range(1, 5):
        grams.update("".join(parts[i : i + size]) for i in range(len(parts) - size + 1))
    grams.update(_gapped(parts))
    for entry in PROHIBITED:
        if grams & entry.terms or any(stem in whole for stem in entry.stems):
            return entry
    return None


_BY_NORMAL_NAME = {_normalise(name): name for name in FEATURE_NAMES}


def canonical_name(name: str) -> str | None:
    """Return the contract feature ``name`` denotes (ignoring case and separators), or None.

    >>> canonical_name("Rent_On_Time_12m"), canonical_name("shoe_size")
    ('rent_on_time_12m', None)
    """
    return _BY_NORMAL_NAME.get(_normalise(name))


def field_problem(name: str) -> FieldProblem | None:
    """Return why ``name`` may not be a model input, or ``None`` if it is a feature."""
    entry = prohibition_for(name)
    if entry is not None:
        return FieldProblem(name, Offence.PROHIBITED, entry.reason, entry.category.value)
    if canonical_name(name) is None:
        return FieldProblem(
            name, Offence.UNKNOWN, "not a feature of the contract (GET /v1/contract lists them)"
        )
    return None


def check_fields(
    names: Iterable[str], *, allowed: Iterable[str] = (), source: str = "payload"
) -> None:
    """Refuse field names that are prohibited or that the contract does not know.

    ``allowed`` names extra fields the caller expects besides the features (for example a
    dataset's ``subject_id`` key); they are still refused if prohibited. Every offending
    field is listed in the one ``ContractViolation``.

    >>> check_fields(["rent_on_time_12m", "subject_id"], allowed=["subject_id"])
    >>> check_fields(["Date_of_Birth", "shoe_size"])
    Traceback (most recent call last):
    ...
    scoring.errors.ContractViolation: the payload breaks the feature contract in 2 field(s): \
Date_of_Birth, shoe_size
    """
    extra = set(allowed)
    problems: list[FieldProblem] = []
    for name in names:
        found = field_problem(name)
        if found is not None and not (found.offence is Offence.UNKNOWN and name in extra):
            problems.append(found)
    if problems:
        raise ContractViolation(problems, source=source)


def check_columns(names: Iterable[str], *, expected: Iterable[str], source: str) -> None:
    """Refuse a dataset whose columns are not exactly ``expected``.

    A prohibited column is refused with its reason, any other unexpected column as
    unknown, and every expected column that is absent as missing, all in one
    ``ContractViolation``.

    >>> check_columns(["subject_id", "postcode"], expected=["subject_id"], source="dataset")
    Traceback (most recent call last):
    ...
    scoring.errors.ContractViolation: the dataset breaks the feature contract in 1 field(s): \
postcode
    """
    wanted = list(expected)
    given = list(names)
    problems: list[FieldProblem] = []
    for name in given:
        entry = prohibition_for(name)
        if entry is not None:
            problems.append(
                FieldProblem(name, Offence.PROHIBITED, entry.reason, entry.category.value)
            )
        elif name not in wanted:
            problems.append(FieldProblem(name, Offence.UNKNOWN, f"not a column of the {source}"))
    problems.extend(
        FieldProblem(name, Offence.MISSING, f"a required column of the {source}")
        for name in wanted
        if name not in given
    )
    if problems:
        raise ContractViolation(problems, source=source)


def refuse_prohibited(
    names: Iterable[str], *, allowed: Iterable[str], source: str = "record"
) -> None:
    """Refuse a record that carries a prohibited field, whether or not it would be read.

    ``allowed`` are the record's model features (a lender's mapping may name a feature
    whatever it likes once it passed the mapping's own checks). Other fields that are not
    prohibited are tolerated and not read.

    >>> refuse_prohibited(["savings", "sex"], allowed=["savings"])
    Traceback (most recent call last):
    ...
    scoring.errors.ContractViolation: the record breaks the feature contract in 1 field(s): sex
    """
    features = set(allowed)
    problems = [
        FieldProblem(name, Offence.PROHIBITED, entry.reason, entry.category.value)
        for name in names
        if name not in features and (entry := prohibition_for(name)) is not None
    ]
    if problems:
        raise ContractViolation(problems, source=source)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that, in a column's declared labels, say it holds a protected attribute, in the
#: languages the name list covers (English, German, French, Spanish; accents folded). Words
#: with an ordinary financial meaning too ("single", "partner", "senior") are left out.
LABEL_WORDS: dict[str, frozenset[str]] = {
    "sex_and_gender": _words(
        "male female man woman men women nonbinary transgender mr mrs ms miss mannlich maennlich "
        "weiblich mann frau masculin feminin homme femme masculino femenino hombre mujer"
    ),
    "marital_status": _words(
        "married unmarried divorced separated widowed widow widower spouse husband wife cohabiting "
        "verheiratet ledig geschieden verwitwet marie mariee divorce divorcee veuf veuve "
        "celibataire casado casada soltero soltera divorciado divorciada viudo viuda"
    ),
    "religion": _words(
        "christian catholic protestant muslim islam islamic jewish judaism hindu buddhist sikh "
        "atheist evangelisch katholisch muslimisch juif juive musulman musulmane chretien "
        "catholique cristiano catolico musulman judio"
    ),
    "national_origin": _words(
        "foreign foreigner immigrant noncitizen refugee auslander auslaender etranger etrangere "
        "extranjero extranjera inmigrante"
    ),
    "disability_and_health": _words(
        "disabled disability handicapped blind deaf wheelchair behindert handicape discapacitado "
        "discapacitada"
    ),
}
_BY_KEY = {entry.key: entry for entry in PROHIBITED}


def prohibition_in_labels(labels: Iterable[str]) -> tuple[Prohibition, tuple[str, ...]] | None:
    """Return the entry a column's declared labels fall under, and the labels that say so.

    The labels are a mapping's public categories, never a row's value, so they may be named.

    >>> entry, found = prohibition_in_labels(["A91", "female : divorced/separated/married"])
    >>> entry.key, found
    ('sex_and_gender', ('female : divorced/separated/married',))
    >>> prohibition_in_labels(["none", "< 100", ">= 1000"]) is None
    True
    """
    listed = list(labels)
    for key, lexicon in LABEL_WORDS.items():
        found = tuple(label for label in listed if set(words(label)) & lexicon)
        if found:
            return _BY_KEY[key], found
    return None


#: Name words that speak of a span of years (an age, or a year of birth).
_YEAR_WORDS = _words("year years yr yrs old alive born birth jahr jahre ans annees anos edad alter")
_OPAQUE = re.compile(r"[a-z]{0,3}[0-9]{0,3}")


def age_like(name: str, values: npt.NDArray[np.float64]) -> str | None:
    """Return what a numeric column looks like when it looks like an age or a birth year.

    Both must hold: its name is opaque (``a13``, ``x5``, ``v``) or speaks of years, and its
    values are whole numbers spread like adults' ages in years (none below 14 nor above
    110, a tenth below 18 at most, the median 20 to 70) or like their birth years (1900 to
    2012, the median 1935 to 2006). A tenure ("years at address") starts at 0, so it is not
    an age.

    >>> ages = np.array([19.0, 23, 31, 35, 42, 47, 55, 61, 68, 75])
    >>> age_like("a13", ages), age_like("years_alive", ages), age_like("amount", ages)
    ('ages in years', 'ages in years', None)
    >>> age_like("years_at_address", np.array([0.0, 1, 4, 9, 22])) is None
    True
    >>> age_like("yob", np.array([1950.0, 1961, 1974, 1988, 1999]))
    'birth years'
    """
    flat = _normalise(name)
    if not (_OPAQUE.fullmatch(flat) or set(words(name)) & _YEAR_WORDS):
        return None
    seen = values[~np.isnan(values)]
    if seen.size == 0 or not np.all(seen == np.round(seen)):
        return None
    low, high, median = float(seen.min()), float(seen.max()), float(np.median(seen))
    if low >= 14 and high <= 110 and np.quantile(seen, 0.1) >= 18 and 20 <= median <= 70:
        return "ages in years"
    if low >= 1900 and high <= 2012 and 1935 <= median <= 2006:
        return "birth years"
    return None
