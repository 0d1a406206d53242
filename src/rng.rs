//! Keyed, counter-based randomness: every value is `f(seed, stream, index)`.
//!
//! There is no generator state carried from one row to the next, so any row of
//! any table can be produced on its own, in any order, on any thread, and comes
//! out the same. Streams are named constants ([`Stream`]); adding a stream never
//! changes the values of the existing ones.

/// The 64-bit golden-ratio increment of SplitMix64.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser: a fast bijective 64-bit mixer with full avalanche.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A named source of randomness, derived from the run's seed and a stream id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stream(u64);

impl Stream {
    /// The stream `id` of `seed`. Ids are stable constants chosen by the caller.
    pub fn new(seed: u64, id: u64) -> Self {
        Stream(mix(
            seed ^ mix(id.wrapping_mul(GOLDEN).wrapping_add(0x1234_5678))
        ))
    }

    /// The stream's value at `index`.
    #[inline]
    pub fn at(self, index: u64) -> u64 {
        mix(self.0 ^ index.wrapping_add(1).wrapping_mul(GOLDEN))
    }

    /// A sequence of independent draws belonging to row `index`.
    #[inline]
    pub fn draws(self, index: u64) -> Draws {
        Draws {
            state: self.at(index),
        }
    }
}

/// Successive draws for one row (or one `(row, k)` pair).
#[derive(Clone, Debug)]
pub struct Draws {
    state: u64,
}

impl Draws {
    /// The next 64-bit draw.
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// Skips as many draws as `to` has taken since it was `from` (a copy of
    /// another row's draws), whatever stream these follow.
    #[inline]
    pub fn skip_like(&mut self, from: &Draws, to: &Draws) {
        self.state = self.state.wrapping_add(to.state.wrapping_sub(from.state));
    }

    /// A uniform integer in `0..n` (`n > 0`).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        below(self.next(), n)
    }

    /// A uniform float in `(0, 1]`.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        unit(self.next())
    }
}

/// Maps a 64-bit draw uniformly onto `0..n` (Lemire's multiply-shift).
#[inline]
pub fn below(h: u64, n: u64) -> u64 {
    ((u128::from(h) * u128::from(n)) >> 64) as u64
}

/// Maps a 64-bit draw onto `(0, 1]`.
#[inline]
pub fn unit(h: u64) -> f64 {
    ((h >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A popularity-skewed index in `0..n`: `floor(n * u^skew)`. `skew = 1` is
/// uniform; larger values concentrate on low indices (a few very popular
/// targets, a long tail of rarely used ones). Combine with [`Perm`] so that the
/// popular items are scattered rather than the first ones.
#[inline]
pub fn skewed(h: u64, n: u64, skew: f64) -> u64 {
    if skew == 1.0 {
        return below(h, n);
    }
    let x = crate::cast::whole(unit(h).powf(skew) * n as f64);
    x.min(n.saturating_sub(1))
}

/// An affine bijection of `0..n`: `i -> (a*i + b) mod n` with `gcd(a, n) = 1`.
#[derive(Clone, Copy, Debug)]
pub struct Perm {
    n: u64,
    a: u64,
    b: u64,
}

const PERM_PRIMES: [u64; 4] = [6_700_417, 2_147_483_647, 1_000_000_007, 998_244_353];

impl Perm {
    /// A permutation of `0..n` keyed by `h`.
    pub fn new(n: u64, h: u64) -> Self {
        if n <= 1 {
            return Perm { n, a: 1, b: 0 };
        }
        // A prime that does not divide n is coprime to it.
        let p = PERM_PRIMES
            .iter()
            .copied()
            .find(|p| n % p != 0)
            .unwrap_or(1);
        Perm {
            n,
            a: p % n,
            b: below(h, n),
        }
    }

    /// The image of `i` (`i < n`).
    #[inline]
    pub fn apply(&self, i: u64) -> u64 {
        if self.n <= 1 {
            return 0;
        }
        crate::cast::narrow(
            (u128::from(self.a) * u128::from(i) + u128::from(self.b)) % u128::from(self.n),
        )
    }

    /// The preimage of `y` (`y < n`): `apply(invert(y)) == y`. O(log n),
    /// for asking where a node sits in a permutation without a walk.
    pub fn invert(&self, y: u64) -> u64 {
        if self.n <= 1 {
            return 0;
        }
        // `a` is coprime to `n`: its inverse modulo `n` by extended Euclid.
        let n = i128::from(self.n);
        let (mut r0, mut r1) = (n, i128::from(self.a));
        let (mut t0, mut t1) = (0i128, 1i128);
        while r1 != 0 {
            let q = r0 / r1;
            (r0, r1) = (r1, r0 - q * r1);
            (t0, t1) = (t1, t0 - q * t1);
        }
        // Both factors are below n < 2^64: the product fits in u128.
        let inv = t0.rem_euclid(n).unsigned_abs();
        let diff = (i128::from(y) - i128::from(self.b))
            .rem_euclid(n)
            .unsigned_abs();
        crate::cast::narrow(inv * diff % u128::from(self.n))
    }
}

/// Picks an index by integer weights: `weights[k] / sum(weights)`.
#[inline]
pub fn weighted(h: u64, weights: &[u32], total: u64) -> usize {
    let mut x = below(h, total);
    for (k, &w) in weights.iter().enumerate() {
        let w = u64::from(w);
        if x < w {
            return k;
        }
        x -= w;
    }
    weights.len() - 1
}

#[cfg(test)]
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "tests convert small known values"
)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn streams_differ_and_are_stable() {
        let a = Stream::new(42, 1);
        let b = Stream::new(42, 2);
        assert_ne!(a.at(0), b.at(0));
        assert_eq!(a.at(7), Stream::new(42, 1).at(7));
        assert_ne!(Stream::new(43, 1).at(0), a.at(0));
    }

    #[test]
    fn skew_prefers_low_indices() {
        let s = Stream::new(1, 1);
        let n = 1000;
        let low = (0..10_000)
            .filter(|&i| skewed(s.at(i), n, 3.0) < n / 10)
            .count();
        // P(u^3 < 0.1) = 0.1^(1/3) ~ 0.46
        assert!((4000..5300).contains(&low), "low = {low}");
    }

    proptest! {
        #[test]
        fn below_is_in_range(h in any::<u64>(), n in 1u64..u64::MAX) {
            prop_assert!(below(h, n) < n);
        }

        #[test]
        fn skewed_is_in_range(h in any::<u64>(), n in 1u64..1_000_000_000_000, skew in 1.0f64..8.0) {
            prop_assert!(skewed(h, n, skew) < n);
        }

        #[test]
        fn perm_is_a_bijection(n in 1u64..2000, key in any::<u64>()) {
            let p = Perm::new(n, key);
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let j = p.apply(i);
                prop_assert!(j < n);
                prop_assert!(!seen[j as usize]);
                seen[j as usize] = true;
                prop_assert_eq!(p.invert(j), i);
            }
        }

        #[test]
        fn invert_undoes_apply_for_large_n(n in 2u64..u64::MAX, key in any::<u64>(), i in any::<u64>()) {
            let p = Perm::new(n, key);
            let i = i % n;
            prop_assert_eq!(p.invert(p.apply(i)), i);
        }

        #[test]
        fn weighted_respects_zero_weights(h in any::<u64>()) {
            let w = [3u32, 0, 5];
            let k = weighted(h, &w, 8);
            prop_assert!(k != 1);
        }
    }
}
