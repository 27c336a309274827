"""The reviewed code lists that give a bank transaction its one counterparty kind.

A provider's codes are read here, in memory, and nowhere else; none is stored. Each list is
short on purpose: a code is on it only if it says the money is income, a bill that a thin
file deserves credit for (rent, utilities, telecom), a loan repayment or a transfer. Every
other debit is ``other_spending`` with no detail, whatever its merchant, category or code:
a casino (MCC 7995), a bar (5813) and a bookshop (5942) are the same to Fairfile.

Sources: ISO 18245 merchant category codes (MCC), the 1987 US Standard Industrial
Classification (SIC, which OFX carries), the ISO 20022 external bank transaction code
list (domain, family, sub-family; UK Open Banking carries its family and sub-family), the
FDX deposit transaction types and the OFX transaction types. docs/connecting-bank-data.md
prints every table; a change to one is a change to what the score can see, and is
reviewed as such.
"""

from __future__ import annotations

from typing import Final

from ..statements import CounterpartyKind

RENT, UTILITY, TELECOM = CounterpartyKind.RENT, CounterpartyKind.UTILITY, CounterpartyKind.TELECOM
PAYROLL, BENEFITS = CounterpartyKind.PAYROLL, CounterpartyKind.BENEFITS
LOAN, TRANSFER = CounterpartyKind.LOAN_REPAYMENT, CounterpartyKind.TRANSFER

#: Merchant category codes of a bill (debits only; FDX ``merchant``/``category``, Open
#: Banking ``MerchantDetails``).
MCC_BILLS: Final[dict[str, CounterpartyKind]] = {
    "6513": RENT,  # real estate agents and managers: rentals
    "4900": UTILITY,  # utilities: electric, gas, water, sanitary
    "4814": TELECOM,  # telecommunication services
    "4899": TELECOM,  # cable, satellite and other pay television and radio
}

#: SIC codes of a bill or a loan repayment (debits only; OFX ``SIC``).
SIC_DEBITS: Final[dict[str, CounterpartyKind]] = {
    "6513": RENT,  # operators of apartment buildings
    "6514": RENT,  # operators of dwellings other than apartment buildings
    "4911": UTILITY,  # electric services
    "4924": UTILITY,  # natural gas distribution
    "4931": UTILITY,  # electric and other services combined
    "4932": UTILITY,  # gas and other services combined
    "4939": UTILITY,  # combination utilities
    "4941": UTILITY,  # water supply
    "4812": TELECOM,  # radiotelephone communications
    "4813": TELECOM,  # telephone communications, except radiotelephone
    "4841": TELECOM,  # cable and other pay television services
    "6111": LOAN,  # federal and federally sponsored credit agencies (student loans)
    "6141": LOAN,  # personal credit institutions
    "6162": LOAN,  # mortgage bankers and loan correspondents
}

#: SIC codes of a lender, which FDX may carry in a transaction's ``category`` (FDX: "preferably
#: MCC or SIC"; no merchant category code names a loan).
SIC_LOANS: Final = frozenset(code for code, kind in SIC_DEBITS.items() if kind is LOAN)

#: ISO 20022 bank transaction codes: (family, sub-family) of a credit that is pay, by the
#: four-letter code and by the name UK Open Banking writes.
ISO_PAYROLL: Final = frozenset(
    {
        ("RCDT", "SALA"),  # received credit transfers: payroll/salary payment
        ("RCDT", "XBSA"),  # received credit transfers: cross-border payroll/salary
        ("ReceivedCreditTransfer", "PayrollSalaryPayment"),
        ("ReceivedCreditTransfer", "CrossBorderPayrollSalaryPayment"),
    }
)
#: ISO 20022 families of a loan's repayment (debits): consumer, mortgage, fixed-term and
#: syndicated loans, in the loans domain (LDAS).
ISO_LOAN_FAMILIES: Final = frozenset(
    {"CSLN", "MGLN", "FTLN", "SYDN", "ConsumerLoans", "MortgageLoans", "FixedTermLoans"}
)
#: ISO 20022 families of a transfer between accounts, either way.
ISO_TRANSFER_SUBFAMILIES: Final = frozenset(
    {"BOOK", "ACCT", "InternalBookTransfer", "AccountTransfer"}
)

#: FDX deposit transaction types (``transactionType``).
FDX_CREDITS: Final[dict[str, CounterpartyKind]] = {
    "DIRECTDEPOSIT": PAYROLL,
    "TRANSFER": TRANSFER,
}
FDX_DEBITS: Final[dict[str, CounterpartyKind]] = {"TRANSFER": TRANSFER}

#: OFX transaction types (``TRNTYPE``).
OFX_CREDITS: Final[dict[str, CounterpartyKind]] = {"DIRECTDEP": PAYROLL, "XFER": TRANSFER}
OFX_DEBITS: Final[dict[str, CounterpartyKind]] = {"XFER": TRANSFER}

#: Payers of public benefits, as they name themselves on a credit (the standards carry no
#: code for a benefit). Read in memory to call a credit ``benefits``, then dropped.
BENEFIT_PAYERS: Final = (
    "SSA TREAS 310",  # US Social Security, paid through the Treasury
    "SSI TREAS 310",  # US Supplemental Security Income
    "VA BENEFITS",  # US Department of Veterans Affairs
    "STATE UI BENEFIT",  # US state unemployment insurance
    "DWP",  # UK Department for Work and Pensions
)


def benefit_payer(*texts: str | None) -> bool:
    """Whether a credit's payer text names a payer of public benefits.

    >>> benefit_payer("SSA  TREAS 310 XXSOC SEC"), benefit_payer("ACME PAYROLL")
    (True, False)
    """
    for text in texts:
        if text:
            words = f" {' '.join(text.upper().split())} "
            if any(f" {payer} " in words for payer in BENEFIT_PAYERS):
                return True
    return False
