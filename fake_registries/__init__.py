"""The simulated state registries the bot watches (population, disability, civil, payments)."""
