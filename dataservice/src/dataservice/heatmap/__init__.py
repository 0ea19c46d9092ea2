"""Every route of a runner as one heatmap: the stored polylines their dashboard draws."""
