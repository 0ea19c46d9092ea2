"""A runner's aerobic fitness: VDOT per run (Daniels and Gilbert, adjusted by heart rate as
Runalyze does), its trend, race predictions, marathon shape and heart-rate zones."""
