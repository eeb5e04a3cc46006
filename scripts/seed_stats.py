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
