"""Rules planners use today, as replay policies: the ERP min/max and the textbook reorder point."""

from __future__ import annotations

import numpy as np

from shortage_radar.backtest.inventory import Policy, Stock
from shortage_radar.backtest.world import World, periods_of
from shortage_radar.supply.policy import order_quantity


def min_max(world: World, extra_days: float, warned: dict[int, list[np.ndarray]]) -> Policy:
    """The min/max rule of many ERPs: min = average demand per day over the last 30 days x
    the quoted lead time; max = min + `extra_days` of that demand. At a review with the
    inventory position at or below min, order up to max (MOQ, whole packs). Its warning: the
    projected cover (position / daily demand) is shorter than the lead time; appended per
    review to warned[h] for every horizon h (the rule has one signal).
    """
    window = periods_of(30, world.freq)
    per_day = 30 / window  # periods of the window -> days
    lead = world.series["lead_days"].to_numpy()
    moq = world.series["moq"].to_numpy()
    primary = world.series["supplier_id"].to_list()
    pack = world.series["pack"].to_numpy()

    def policy(t: int, stock: Stock) -> tuple[np.ndarray, np.ndarray]:
        now = world.history + t
        daily = world.demand[:, max(0, now - window) : now].sum(axis=1) / (window * per_day)
        low = daily * lead
        high = low + daily * extra_days
        position = stock.position(t)
        need = np.where(position <= low, high - position, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            cover = np.where(daily > 0, position / daily, np.inf)
        for h in warned:
            warned[h].append(cover < lead)
        return order_quantity(need, moq, pack), world.lead_periods(world.draw_lead(t, primary))

    return policy
