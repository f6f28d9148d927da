"""The twin's pages, one module per area: build (status, start, try again), portrait,
persona, preview, fidelity. Each passes `memorial_get_for` first."""
