"""Rules planners use today, as replay policies: the ERP min/max and the textbook reorder point."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from shortage_radar.backtest.inventory import Policy, Stock
from shortage_radar.backtest.world import World, periods_of
from shortage_radar.forecast.portfolio import DAYS
from shortage_radar.supply.policy import order_quantity


def min_max(world: World, extra_days: float, risk: dict[int, list[np.ndarray]]) -> Policy:
    """The min/max rule of many ERPs: min = average demand per day over the last 30 days x
    the quoted lead time; max = min + `extra_days` of that demand. At a review with the
    inventory position at or below min, order up to max (MOQ, whole packs). Its warning: the
    projected cover (position / daily demand) is shorter than the lead time; appended per
    review to risk[h] as 1 or 0 for every horizon h (the rule has one signal, no chance).
    """
    window = periods_of(30, world.freq)
    lead = world.series["lead_days"].to_numpy()
    moq = world.series["moq"].to_numpy()
    primary = world.series["supplier_id"].to_list()
    pack = world.series["pack"].to_numpy()

    def policy(t: int, stock: Stock) -> tuple[np.ndarray, np.ndarray]:
        now = world.history + t
        daily = world.demand[:, max(0, now - window) : now].sum(axis=1) / (
            window * DAYS[world.freq]
        )
        low = daily * lead
        high = low + daily * extra_days
        position = stock.position(t)
        need = np.where(position <= low, high - position, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            cover = np.where(daily > 0, position / daily, np.inf)
        for h in risk:
            risk[h].append((cover < lead).astype(float))
        return order_quantity(need, moq, pack), world.lead_periods(world.draw_lead(t, primary))

    return policy


def textbook(
    world: World,
    service: float,
    review_periods: int,
    risk: dict[int, list[np.ndarray]],
    models: list[Any] | None = None,
    measure: str = "cycle",
    n_jobs: int = 1,
) -> Policy:
    """The textbook periodic-review rule on AutoETS forecasts: every review, order up to
    S = mu (L + R) + z sigma sqrt(L + R) (Silver, Pyke & Thomas 2017, 7.3: the z sigma sqrt(L)
    reorder point with the review period R added to the lead time L, as a periodic review
    needs), with mu the one-period-ahead forecast, sigma its standard error (from AutoETS's
    80% interval), L the supplier's mean lead time known at the start (received - ordered on
    PO lines received before it, else quoted), in whole periods, and z the normal quantile of
    the target cycle service level; for a fill rate target (`measure` "fill_rate") z is the k
    of the normal loss function that leaves (1 - fill rate) of a review's mean demand short,
    sigma sqrt(L + R) G(k) = (1 - P2) mu R (ibid. 7.3.2), per series and review. AutoETS is
    fitted per series at the first review and applied to the growing history at later ones
    (statsforecast's forward: same form and parameters, no re-fit). Its chance of a
    stock-out within h periods (risk[h]): the normal chance that demand over h exceeds on
    hand less backlog plus arrivals due by then. `models`: the fitted AutoETS per series (None
    where it failed), filled at the first review in one batch over `n_jobs` processes; pass
    the same list to replays of the same history at other service levels to fit once.
    """
    from scipy import stats

    z = float(stats.norm.ppf(service))
    z80 = float(stats.norm.ppf(0.9))
    lead = world.lead_periods(
        np.array(
            [
                float(np.mean(world.known_leads.get((s, k)) or [d]))
                for s, k, d in world.series.select("supplier_id", "sku", "lead_days").iter_rows()
            ]
        )
    )
    cover = lead + review_periods
    moq = world.series["moq"].to_numpy()
    pack = world.series["pack"].to_numpy()
    primary = world.series["supplier_id"].to_list()
    models = [] if models is None else models

    def one_step(i: int, y: np.ndarray) -> tuple[float, float]:
        """(mean, standard error) of next period's demand; the history's own when ETS fails."""
        try:
            if models[i] is None:
                raise ValueError("no AutoETS fit")
            got = ets_next(models[i].model_, y)
            if got is None:
                out = models[i].forward(y=y, h=1, level=[80])
                raw, hi = float(out["mean"][0]), float(out["hi-80"][0])
            else:
                raw, hi = got[0], got[0] + z80 * got[1]
            mean = max(raw, 0.0)
            return mean, max((hi - mean) / z80, 0.0)
        except Exception:  # too short or flat for ETS: the plain mean and sd
            return float(y.mean()), float(y.std())

    def policy(t: int, stock: Stock) -> tuple[np.ndarray, np.ndarray]:
        now = world.history + t
        if now and not models:
            models.extend(fit_ets(world.demand[:, :now], world.periods[:now], world.freq, n_jobs))
        est = [one_step(i, world.demand[i, :now]) if now else (0.0, 0.0) for i in range(len(cover))]
        mu = np.array([m for m, _ in est])
        sigma = np.array([s for _, s in est])
        spread = sigma * np.sqrt(cover)
        k: float | np.ndarray = z
        if measure == "fill_rate":
            with np.errstate(divide="ignore", invalid="ignore"):
                k = normal_loss_k((1 - service) * mu * review_periods / spread)
        upto = mu * cover + np.nan_to_num(k * spread)
        position = stock.position(t)
        need = np.where(position < upto, upto - position, 0.0)
        for h in risk:
            available = stock.on_hand - stock.backlog + stock.due[:, t : t + h].sum(axis=1)
            gap = available - mu * h
            with np.errstate(divide="ignore", invalid="ignore"):
                # no spread: certain either way (a stock-out when the mean alone runs out)
                chance = np.where(sigma > 0, stats.norm.sf(gap / (sigma * np.sqrt(h))), gap < 0)
            risk[h].append(chance.astype(float))
        return order_quantity(need, moq, pack), world.lead_periods(world.draw_lead(t, primary))

    return policy


def fit_ets(demand: np.ndarray, periods: list[date], freq: str, n_jobs: int) -> list[Any]:
    """AutoETS fitted on each row of `demand` [series, periods] (`periods`: their start dates;
    season_length the frequency's when there are more than two seasons, else none), None where
    the fit fails (too short or flat), in row order: one statsforecast batch over `n_jobs`."""
    import polars as pl
    from statsforecast.models import AutoETS

    from shortage_radar.forecast.engine import Engine, by_halves
    from shortage_radar.forecast.portfolio import SEASON

    n = demand.shape[0]
    season = SEASON[freq] if len(periods) > 2 * SEASON[freq] else 1
    df = pl.DataFrame(
        {
            "unique_id": np.repeat(np.arange(n).astype(str), len(periods)),
            "ds": periods * n,
            "y": demand.reshape(-1).astype(float),
        },
        schema={"unique_id": pl.String, "ds": pl.Date, "y": pl.Float64},
    )
    engine = Engine(freq, n_jobs)
    fitted: list[Any] = [None] * n
    for uids, models in by_halves(
        lambda d: engine.fit(d, [AutoETS(season_length=season)]), df, "AutoETS"
    ):
        for u, m in zip(uids, models[:, 0], strict=True):
            fitted[int(u)] = m
    return fitted


def normal_loss_k(loss: np.ndarray) -> np.ndarray:
    """The k with G(k) = loss for the standard normal loss function G(k) = phi(k) - k (1 -
    Phi(k)) (Silver, Pyke & Thomas 2017, appendix II), by interpolation on a fine grid of k in
    -4 .. 6: 6 where no loss is allowed (0), -4 from G(-4), about 4, up (and for NaN)."""
    from scipy import stats

    k = np.linspace(-4.0, 6.0, 4001)
    g = stats.norm.pdf(k) - k * stats.norm.sf(k)  # falls as k rises
    out: np.ndarray = np.interp(np.nan_to_num(loss, nan=np.inf), g[::-1], k[::-1])
    return out


def ets_next(fitted: dict[str, Any], y: np.ndarray) -> tuple[float, float] | None:
    """(mean, standard error) of the period after `y` from a fitted ETS model, its form and
    parameters kept: what statsforecast's AutoETS.forward(y, h=1) gives (the same state
    recursion and variance estimate), without the interval machinery it runs per call (a
    frozen scipy distribution built each time: most of its cost). None for a constant `y`,
    which forward re-fits.
    """
    from statsforecast.ets import pegelsfcast_C, pegelsresid_C

    y = np.asarray(y, dtype=np.float64)
    if np.all(y[0] == y):
        return None
    error, trend, season, damped = fitted["components"][:4]
    alpha, beta, gamma, phi = fitted["par"][:4]
    _, e, states, _ = pegelsresid_C(
        y=y,
        m=fitted["m"],
        init_state=fitted["par"][4:],
        errortype=error,
        trendtype=trend,
        seasontype=season,
        damped=damped != "N",
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        phi=phi,
        nmse=3,
    )
    sq = e**2
    sigma2 = sq[~np.isinf(sq)].sum() / (len(y) - fitted["n_params"] - 1)
    mean = float(pegelsfcast_C(1, {**fitted, "states": states})[0])  # type: ignore[no-untyped-call]
    # one step ahead the error is the whole forecast error: sigma, or sigma x mean when
    # multiplicative (Hyndman et al. 2008, 6.3: every class's variance at h = 1)
    sd = float(np.sqrt(sigma2)) * (abs(mean) if error == "M" else 1.0)
    return mean, sd
