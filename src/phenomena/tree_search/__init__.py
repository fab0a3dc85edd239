"""Tree search vs policy-only: batched AlphaZero on Connect Four with an Elo ladder (Jones 2021)."""
