"""The three benefits offered proactively: burial payment, disability and survivor benefits."""
