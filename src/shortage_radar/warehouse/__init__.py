"""The run's DuckDB warehouse (layers as schemas) and the analytics database published from it."""
