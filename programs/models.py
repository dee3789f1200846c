"""Protection programs, premium rates, funding schemes and funded worker batches."""
