"""The SLT study's figures, one module per figure (``plot(**tables) -> Figure``)."""
