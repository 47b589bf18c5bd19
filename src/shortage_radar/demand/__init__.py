"""Demand: series from sales, classification, forecasts (issue 3 builds it up)."""
