"""The notebooks' exercises: `check("NN-id", answer)` and the checks behind it."""
