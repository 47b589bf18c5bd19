"""shortage-radar: demand forecasting and shortage early warning for buyers and supply planners."""

__version__ = "0.1.0"
