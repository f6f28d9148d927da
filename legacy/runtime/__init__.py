"""How Legacy's servers are found or started: embedded from pip packages by default,
external when DATABASE_URL / REDIS_URL are set."""
