//! Dates and times as the tasks write them (RFC 3339 in UTC, `YYYY-MM-DD`), from seconds since
//! the Unix epoch, with Howard Hinnant's days-to-civil algorithm: no clock or time-zone crate.

use std::time::SystemTime;

/// `secs` since the epoch as RFC 3339 UTC, to the second: `2024-05-01T12:00:00Z`.
pub fn rfc3339(secs: i64) -> String {
    let rem = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(secs),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The UTC date of `secs` since the epoch: `2024-05-01`.
pub fn date(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Whole seconds from the epoch to `time` (0 for a time before it).
pub fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_714_564_800), "2024-05-01T12:00:00Z");
        assert_eq!(rfc3339(1_795_524_625), "2026-11-24T12:50:25Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn dates_of_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(20_416 * 86_400), "2025-11-24");
        assert_eq!(date(11_016 * 86_400 + 86_399), "2000-02-29");
        assert_eq!(date(-86_400), "1969-12-31");
    }

    #[test]
    fn seconds_of_system_times() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_524_625);
        assert_eq!(unix_seconds(at), 1_795_524_625);
        assert_eq!(
            unix_seconds(SystemTime::UNIX_EPOCH - Duration::from_secs(5)),
            0
        );
    }
}
