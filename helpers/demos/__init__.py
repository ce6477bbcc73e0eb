"""The inference notebooks' pieces on top of the tasks: loading a trained (or stand-in) model, widget demos,
attention maps, batch prediction to CSV."""
