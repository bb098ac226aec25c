//! A small deterministic pseudo-random generator for the demo data: xoshiro256** seeded through
//! splitmix64, plus the handful of distributions the generator needs.
//!
//! Only integer arithmetic, IEEE-exact float operations (`+ - * /`, `sqrt`) and the local
//! [`ln`]/[`exp`] below are used, so a seed produces bit-identical output natively and in wasm
//! (the platform `ln`/`exp` may differ in the last bit between libm implementations).

/// xoshiro256** (Blackman & Vigna), state filled with splitmix64.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let mut s = [0u64; 4];
        for slot in &mut s {
            *slot = splitmix64(&mut sm);
        }
        if s == [0; 4] {
            s[0] = 1; // the all-zero state is the one fixed point of xoshiro
        }
        Rng { s }
    }

    /// An independent generator for one part of the data, so that drawing more values in one
    /// table does not shift every other table.
    pub fn stream(seed: u64, stream: u64) -> Self {
        let mut sm = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mixed = splitmix64(&mut sm);
        Rng::new(mixed ^ stream)
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, n); 0 when n is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform integer in [lo, hi] (inclusive); `lo` when the range is empty.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// Uniform index into a slice of length `len` (which must not be 0).
    pub fn index(&mut self, len: usize) -> usize {
        debug_assert!(len > 0);
        self.below(len as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// A copy of a uniformly chosen element (for lists of `&str` and other small values).
    pub fn choose<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// Fisher–Yates shuffle in place.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.index(i + 1));
        }
    }

    /// Index drawn with probability proportional to `weights` (non-negative, not all zero).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
    }

    /// Picks from `(item, weight)` pairs.
    pub fn weighted_pick<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let mut total = 0.0;
        for (_, w) in items {
            total += w;
        }
        let mut x = self.unit() * total;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal deviate (the polar form of Box–Muller; the second value is dropped).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.unit() - 1.0;
            let v = 2.0 * self.unit() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * ln(s) / s).sqrt();
            }
        }
    }

    /// Log-normal deviate with the given median and shape `sigma` (the σ of the logarithm).
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * exp(sigma * self.normal())
    }

    /// `digits` lower-case hexadecimal digits.
    pub fn hex(&mut self, digits: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(digits);
        let mut bits = 0u64;
        let mut left = 0;
        for _ in 0..digits {
            if left == 0 {
                bits = self.next_u64();
                left = 16;
            }
            out.push(HEX[(bits & 15) as usize] as char);
            bits >>= 4;
            left -= 1;
        }
        out
    }

    /// A version-4 style UUID text.
    pub fn uuid(&mut self) -> String {
        let h = self.hex(32);
        let variant = ['8', '9', 'a', 'b'][self.index(4)];
        format!("{}-{}-4{}-{}{}-{}", &h[0..8], &h[8..12], &h[13..16], variant, &h[17..20], &h[20..32])
    }
}

/// Cumulative weights for drawing many values from one discrete distribution quickly
/// (binary search instead of a linear scan).
#[derive(Debug, Clone)]
pub struct WeightedTable {
    cumulative: Vec<f64>,
}

impl WeightedTable {
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        WeightedTable { cumulative }
    }

    /// An index drawn with probability proportional to its weight.
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.unit() * total;
        self.cumulative.partition_point(|c| *c <= x).min(self.cumulative.len().saturating_sub(1))
    }
}

const LN2: f64 = std::f64::consts::LN_2;

/// `base` to a small non-negative integer power by repeated multiplication (the same result on
/// every platform, unlike an intrinsic whose lowering may differ).
pub fn powi(base: f64, exponent: u32) -> f64 {
    let mut out = 1.0;
    for _ in 0..exponent {
        out *= base;
    }
    out
}

/// Natural logarithm of a positive finite number, from IEEE-exact operations only.
pub fn ln(x: f64) -> f64 {
    debug_assert!(x > 0.0 && x.is_finite());
    let bits = x.to_bits();
    if (bits >> 52) & 0x7ff == 0 {
        // subnormal: scale into the normal range first
        return ln(x * (1u64 << 54) as f64) - 54.0 * LN2;
    }
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52)); // in [1, 2)
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    let mut k = 1.0;
    while k < 40.0 {
        sum += term / k;
        term *= s2;
        k += 2.0;
    }
    e as f64 * LN2 + 2.0 * sum
}

/// e^x from IEEE-exact operations only; saturates outside roughly ±700.
pub fn exp(x: f64) -> f64 {
    if x > 700.0 {
        return f64::MAX;
    }
    if x < -700.0 {
        return 0.0;
    }
    let k = (x / LN2 + if x < 0.0 { -0.5 } else { 0.5 }) as i64; // round half away from zero
    let r = x - k as f64 * LN2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for i in 1..18 {
        term *= r / i as f64;
        sum += term;
    }
    sum * f64::from_bits(((k + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_streams_differ() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let mut c = Rng::stream(7, 1);
        let mut d = Rng::stream(7, 2);
        assert_ne!(c.next_u64(), d.next_u64());
    }

    #[test]
    fn ln_and_exp_are_accurate() {
        for x in [1e-9, 0.001, 0.3, 0.5, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e12] {
            assert!((ln(x) - x.ln()).abs() < 1e-12 * x.ln().abs().max(1.0), "ln {x}");
        }
        for x in [-20.0, -3.2, -0.5, 0.0, 0.7, 1.0, 5.5, 30.0] {
            assert!((exp(x) - x.exp()).abs() <= 1e-13 * x.exp(), "exp {x}");
        }
    }

    #[test]
    fn distributions_have_their_shape() {
        let mut r = Rng::new(42);
        let mut v: Vec<f64> = (0..20_001).map(|_| r.log_normal(100.0, 0.8)).collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let median = v[10_000];
        assert!((90.0..110.0).contains(&median), "median {median}");
        let hits = (0..10_000).filter(|_| r.chance(0.25)).count();
        assert!((2_300..2_700).contains(&hits));
        let mut counts = [0usize; 3];
        for _ in 0..9_000 {
            counts[r.weighted(&[1.0, 0.0, 2.0])] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!((2_700..3_300).contains(&counts[0]));
        for _ in 0..1000 {
            let x = r.range(3, 5);
            assert!((3..=5).contains(&x));
        }
        let table = WeightedTable::new([0.0, 3.0, 1.0]);
        let mut seen = [0usize; 3];
        for _ in 0..4_000 {
            seen[table.sample(&mut r)] += 1;
        }
        assert_eq!(seen[0], 0);
        assert!((2_800..3_200).contains(&seen[1]), "{seen:?}");
        let mut deck: Vec<u32> = (0..50).collect();
        r.shuffle(&mut deck);
        assert_ne!(deck, (0..50).collect::<Vec<u32>>());
        deck.sort_unstable();
        assert_eq!(deck, (0..50).collect::<Vec<u32>>());
        assert!(["a", "b"].contains(r.pick(&["a", "b"])));
        assert_eq!(r.hex(12).len(), 12);
        assert_eq!(r.uuid().len(), 36);
    }
}
