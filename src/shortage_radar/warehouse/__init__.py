"""The run's DuckDB warehouse (layers as schemas) and the read-only analytics database published from it."""
