"""Statistics across seeds, shared by the summary scripts: the seeds are the independent units."""
import math

import numpy as np

# two-sided 95% Student-t quantiles t_{0.975, df}, df = 1..10: the interval across seeds is
# mean +- t * sd / sqrt(n), with the seeds as the independent units
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]


def t_interval(values) -> list:
    """95 % Student-t interval of the mean of `values` (one per seed); NaNs for fewer than 2 seeds."""
    v = np.asarray(values, dtype=float)
    if len(v) < 2:
        return [float("nan"), float("nan")]
    half = T975[min(len(v), len(T975) + 1) - 2] * v.std(ddof=1) / math.sqrt(len(v))
    return [float(v.mean() - half), float(v.mean() + half)]


def welch_interval(a, b) -> dict:
    """95 % Welch interval of mean(a) - mean(b), two independent sets of seeds with unequal variances:
    half-width t_{0.975, df} * sqrt(s_a^2 / n_a + s_b^2 / n_b), df the Welch-Satterthwaite degrees of freedom
    rounded down to an integer (a slightly wider, conservative interval; T975 holds integer df only).
    Returns {'diff', 'low', 'high', 'df'}; NaN bounds for fewer than 2 seeds on either side."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = float(a.mean() - b.mean()) if len(a) and len(b) else float("nan")
    if len(a) < 2 or len(b) < 2:
        return {"diff": diff, "low": float("nan"), "high": float("nan"), "df": float("nan")}
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    if va + vb == 0:
        return {"diff": diff, "low": diff, "high": diff, "df": float(len(a) + len(b) - 2)}
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = T975[min(max(int(df), 1), len(T975)) - 1] * math.sqrt(va + vb)
    return {"diff": diff, "low": diff - half, "high": diff + half, "df": float(df)}
