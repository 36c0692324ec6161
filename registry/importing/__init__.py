"""Bulk import of the data dictionary's interchange files (centers, patients, visits,
gait, mri). All or nothing: a file set with any row error imports nothing."""
