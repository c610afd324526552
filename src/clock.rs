//! The market clock: one notion of "now" and of "today" for every date rule of the market.
//!
//! The market day is China Standard Time (UTC+8, no daylight saving): a listing valid until
//! 2026-12-01 is valid until midnight in Beijing, a contract registered at 00:30 Beijing time
//! is registered on the new day, statistics count China days. Timestamps are still stored and
//! shown in UTC. Tests (and demos) move the clock with [`stand_at`]; production never does.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// The market's offset from UTC, in hours (China Standard Time).
pub const CHINA_OFFSET_HOURS: i32 = 8;

/// How far the clock stands from the system clock, in milliseconds (0 in production).
static SHIFT_MS: AtomicI64 = AtomicI64::new(0);

/// China Standard Time.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(CHINA_OFFSET_HOURS * 3600).unwrap_or_else(|| {
        // 8 h is within ±24 h, so this branch cannot be reached.
        FixedOffset::east_opt(0).expect("UTC offset")
    })
}

/// Now, as the market sees it.
pub fn now() -> DateTime<Utc> {
    Utc::now() + Duration::milliseconds(SHIFT_MS.load(Ordering::Relaxed))
}

/// Today on the market's calendar (the date in China).
pub fn today() -> NaiveDate {
    now().with_timezone(&china()).date_naive()
}

/// A stored (UTC) instant as the time on a clock in China, for texts people read.
pub fn china_time(instant: NaiveDateTime) -> DateTime<FixedOffset> {
    instant.and_utc().with_timezone(&china())
}

/// The first instant (UTC, as stored) of a market day.
pub fn start_of_day(date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN) - Duration::hours(i64::from(CHINA_OFFSET_HOURS))
}

/// Moves the market clock so that it now reads `instant` (it keeps running from there).
/// For tests and demos: every instance in the process shares the clock.
pub fn stand_at(instant: DateTime<Utc>) {
    let shift = instant - Utc::now();
    SHIFT_MS.store(shift.num_milliseconds(), Ordering::Relaxed);
}

/// Puts the market clock back on the system clock.
pub fn reset() {
    SHIFT_MS.store(0, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_market_day_is_the_date_in_china() {
        let late = "2026-11-30T15:59:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            late.with_timezone(&china()).date_naive(),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        let after_midnight = "2026-11-30T16:01:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            after_midnight.with_timezone(&china()).date_naive(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert_eq!(
            start_of_day(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            "2026-11-30T16:00:00".parse::<NaiveDateTime>().unwrap()
        );
    }
}
