//! Named conversions for the casts that are right by design, each with its
//! reason said once here, so the cast lints stay on everywhere else. They are
//! `as` underneath (inlined, no checks), which keeps the hot paths as fast.

/// A non-negative f64 (an estimate, a size, a duration) as a whole u64,
/// truncated toward zero: callers `round()` or `ceil()` first where they mean
/// to. Values are far below 2^64; `as` saturates anyway (negative and NaN give
/// 0, too large gives `u64::MAX`), which is the wanted clamp.
#[inline]
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "the saturating float-to-int conversion is the documented behaviour"
)]
pub(crate) fn whole(x: f64) -> u64 {
    x as u64
}

/// A u64 that indexes or sizes something held in memory (a slice position, a
/// buffer length), as usize: it is bounded by a length that is already a usize.
#[inline]
#[allow(
    clippy::cast_possible_truncation,
    reason = "bounded by an in-memory length, which fits usize"
)]
pub(crate) fn index(x: u64) -> usize {
    x as usize
}

/// A u128 intermediate (a product, then a division or modulo by a u64) whose
/// result is below that u64 operand, as u64: 128-bit only to avoid overflow.
#[inline]
#[allow(
    clippy::cast_possible_truncation,
    reason = "the result is below a u64 operand by construction"
)]
pub(crate) fn narrow(x: u128) -> u64 {
    x as u64
}

/// A count or position bounded by construction (a source rank, a priority, a
/// shard number, a string length), as u32; saturates, which never happens.
#[inline]
pub(crate) fn small(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}
