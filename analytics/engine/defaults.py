"""The reanalysis' default parameters, in one place. The engine's PipelineConfig, the run
model's field defaults, the services, the recluster command and the pages read them here
(the MRI pairing window is the registry's: `registry.rules.MRI_WINDOW_DAYS`)."""

K = 4  # phenotypes, as in the published analysis
SEED = 42
PCA_VARIANCE = 0.80  # share of variance the kept components explain
BOOTSTRAP = 100  # resamples for the stability of each phenotype
MISSING = "complete"  # rows with a missing feature are left out (or "median": imputed)
MISSING_MODES = ("complete", "median")
