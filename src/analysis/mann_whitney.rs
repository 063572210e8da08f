//! The Mann-Whitney U test of two independent samples, as
//! `scipy.stats.mannwhitneyu(x, y, method="asymptotic")` computes it:
//! midranks for ties, the normal approximation with the tie-corrected
//! variance and a continuity correction of 1/2, two-sided. No exact small-n
//! distribution: the comparison refuses to judge below its `min_samples`
//! instead (the approximation is poor for a handful of values).
//!
//! With it, two effect sizes: the rank-biserial correlation (from U) and
//! the Hodges-Lehmann shift (the median of every canary − baseline
//! difference), both positive when the canary runs higher.

/// One test's numbers. `x` is the canary, `y` the baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of the canary: how many (canary, baseline) pairs the canary wins,
    /// ties counting one half.
    pub u: f64,
    /// The standardized statistic after the continuity correction (signed:
    /// positive when the canary runs higher).
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// 2U/(n·m) − 1, in [−1, 1].
    pub rank_biserial: f64,
    /// Median of the pairwise differences canary − baseline.
    pub hodges_lehmann: f64,
}

/// Pairs kept for the Hodges-Lehmann shift: beyond that many the shift is
/// taken on an even subsample of each side (the bound keeps the conductor's
/// judgement cheap; the p-value always uses every sample).
const MAX_PAIRS: usize = 250_000;

/// The test, or `None` when either side is empty or holds a value that is
/// not finite (a comparison against nothing is no evidence).
pub fn test(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    // Rank the pooled sample: (value, from the canary?).
    let mut pooled: Vec<(f64, bool)> = x
        .iter()
        .map(|v| (*v, true))
        .chain(y.iter().map(|v| (*v, false)))
        .collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = pooled.len();
    let mut rank_sum_x = 0.0;
    let mut tie_term = 0.0; // Σ (t³ − t) over groups of ties
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && pooled[j].0 == pooled[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j share their mean.
        let mid = (i + 1 + j) as f64 / 2.0;
        let t = (j - i) as f64;
        tie_term += t * t * t - t;
        rank_sum_x += mid * pooled[i..j].iter().filter(|p| p.1).count() as f64;
        i = j;
    }
    let (f1, f2, nf) = (n1 as f64, n2 as f64, n as f64);
    let u = rank_sum_x - f1 * (f1 + 1.0) / 2.0;
    let mu = f1 * f2 / 2.0;
    let var = f1 * f2 / 12.0 * ((nf + 1.0) - tie_term / (nf * (nf - 1.0)));
    let (z, p) = if var > 0.0 {
        let d = u - mu;
        // Continuity: move |U − μ| half a step towards zero.
        let z = (d.abs() - 0.5).max(0.0) / var.sqrt();
        (z.copysign(d), (erfc(z / std::f64::consts::SQRT_2)).min(1.0))
    } else {
        // Every value equal: no evidence of any difference.
        (0.0, 1.0)
    };
    Some(MannWhitney {
        u,
        z,
        p,
        rank_biserial: 2.0 * u / (f1 * f2) - 1.0,
        hodges_lehmann: shift(x, y),
    })
}

/// Median of every difference x_i − y_j (on an even subsample past
/// `MAX_PAIRS`).
fn shift(x: &[f64], y: &[f64]) -> f64 {
    let thin = |s: &[f64], keep: usize| -> Vec<f64> {
        if s.len() <= keep {
            return s.to_vec();
        }
        (0..keep).map(|k| s[k * s.len() / keep]).collect()
    };
    let side = (MAX_PAIRS as f64).sqrt() as usize;
    let (x, y) = if x.len() * y.len() > MAX_PAIRS {
        (thin(x, side), thin(y, side))
    } else {
        (x.to_vec(), y.to_vec())
    };
    let mut d: Vec<f64> = x
        .iter()
        .flat_map(|a| y.iter().map(move |b| a - b))
        .collect();
    d.sort_by(f64::total_cmp);
    let m = d.len();
    if m % 2 == 1 {
        d[m / 2]
    } else {
        (d[m / 2 - 1] + d[m / 2]) / 2.0
    }
}

/// The complementary error function (W. J. Cody's rational Chebyshev
/// approximations, as in the Netlib `CALERF`; relative error below 1e-15).
/// The coefficients are kept digit for digit as published.
#[allow(clippy::excessive_precision)]
pub fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 0.5 {
        return 1.0 - erf_small(x);
    }
    if x < 4.0 {
        const P: [f64; 9] = [
            5.641_884_969_886_700_9e-1,
            8.883_149_794_388_375_9,
            6.611_919_063_714_163e1,
            2.986_351_381_974_001_3e2,
            8.819_522_212_417_690_9e2,
            1.712_047_612_634_070_7e3,
            2.051_078_377_826_071_6e3,
            1.230_339_354_797_997_2e3,
            2.153_115_354_744_038_5e-8,
        ];
        const Q: [f64; 8] = [
            1.574_492_611_070_983_5e1,
            1.176_939_508_913_125e2,
            5.371_811_018_620_098_6e2,
            1.621_389_574_566_690_2e3,
            3.290_799_235_733_459_6e3,
            4.362_619_090_143_247e3,
            3.439_367_674_143_721_6e3,
            1.230_339_354_803_749_4e3,
        ];
        let mut num = P[8] * x;
        let mut den = x;
        for k in 0..7 {
            num = (num + P[k]) * x;
            den = (den + Q[k]) * x;
        }
        let r = (num + P[7]) / (den + Q[7]);
        return r * (-x * x).exp();
    }
    if x > 26.6 {
        return 0.0;
    }
    const P: [f64; 6] = [
        3.053_266_349_612_323_4e-1,
        3.603_448_999_498_044_4e-1,
        1.257_817_261_112_292_6e-1,
        1.608_378_514_874_227_7e-2,
        6.587_491_615_298_378_5e-4,
        1.631_538_713_730_709_5e-2,
    ];
    const Q: [f64; 5] = [
        2.568_520_192_289_822_4,
        1.872_952_849_923_460_4,
        5.279_051_029_514_284_1e-1,
        6.051_834_131_244_132e-2,
        2.335_204_976_268_691_8e-3,
    ];
    let z = 1.0 / (x * x);
    let mut num = P[5] * z;
    let mut den = z;
    for k in 0..4 {
        num = (num + P[k]) * z;
        den = (den + Q[k]) * z;
    }
    let r = z * (num + P[4]) / (den + Q[4]);
    let r = (1.0 / std::f64::consts::PI.sqrt() - r) / x;
    r * (-x * x).exp()
}

#[allow(clippy::excessive_precision)]
fn erf_small(x: f64) -> f64 {
    const A: [f64; 5] = [
        3.161_123_743_870_565_6,
        1.138_641_541_510_501_6e2,
        3.774_852_376_853_020_2e2,
        3.209_377_589_138_469_5e3,
        1.857_777_061_846_031_5e-1,
    ];
    const B: [f64; 4] = [
        2.360_129_095_234_412_1e1,
        2.440_246_379_344_441_7e2,
        1.282_616_526_077_372_3e3,
        2.844_236_833_439_170_6e3,
    ];
    let z = x * x;
    let mut num = A[4] * z;
    let mut den = z;
    for k in 0..3 {
        num = (num + A[k]) * z;
        den = (den + B[k]) * z;
    }
    x * (num + A[3]) / (den + B[3])
}

#[cfg(test)]
#[path = "mann_whitney_tests.rs"]
mod tests;
