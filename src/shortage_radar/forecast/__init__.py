"""Demand forecasting: stock-out imputation, model portfolio, selection, probabilistic forecasts."""
