"""Evidence the state answers for: the consent ledger's hash chain and signed decisions."""
