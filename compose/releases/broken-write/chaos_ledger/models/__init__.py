from . import ledger_entry
