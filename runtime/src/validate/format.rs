//! `format: date` and `format: date-time` (RFC 3339, as JSON Schema defines them).
//!
//! A vendor that declares a date answers `2026-3-1` or `01/03/2026` with a 400; checked
//! here, the call fails before sending and names the field. Other formats (`email`,
//! `uri`) are left to the vendor: their rules differ from vendor to vendor.

use crate::error::Error;

/// `format: date`: `value` is a full date, `YYYY-MM-DD`, that exists on the calendar.
pub fn date(operation: &str, field: &str, value: &str) -> Result<(), Error> {
    if is_date(value) {
        return Ok(());
    }
    Err(Error::invalid_request(
        operation,
        field,
        "format date",
        "not a YYYY-MM-DD date (RFC 3339 full-date)",
    ))
}

/// `format: date-time`: `value` is an RFC 3339 date-time, `2026-03-01T12:00:00Z` or with
/// fractional seconds and an offset (`2026-03-01T12:00:00.5+01:00`).
pub fn date_time(operation: &str, field: &str, value: &str) -> Result<(), Error> {
    if is_date_time(value) {
        return Ok(());
    }
    Err(Error::invalid_request(
        operation,
        field,
        "format date-time",
        "not an RFC 3339 date-time such as 2026-03-01T12:00:00Z",
    ))
}

/// Whether `s` is an RFC 3339 `full-date`.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) =
        (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
    else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Whether `s` is an RFC 3339 `date-time` (`T` and `Z` in either case, as the RFC
/// allows; a leap second `:60` is accepted).
pub fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't') || !is_date(&s[..10]) {
        return false;
    }
    let time = &b[11..];
    if time.len() < 9 || time[2] != b':' || time[5] != b':' {
        return false;
    }
    let (Some(h), Some(m), Some(sec)) = (
        digits(&time[0..2]),
        digits(&time[3..5]),
        digits(&time[6..8]),
    ) else {
        return false;
    };
    if h > 23 || m > 59 || sec > 60 {
        return false;
    }
    let mut rest = &time[8..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', oh1, oh2, b':', om1, om2] => {
            matches!((digits(&[*oh1, *oh2]), digits(&[*om1, *om2])), (Some(oh), Some(om)) if oh <= 23 && om <= 59)
        }
        _ => false,
    }
}

/// The Unix time (whole seconds) an RFC 3339 date-time names, its offset applied and
/// its fraction dropped; `None` for text [`is_date_time`] refuses or a time before 1970.
/// Box stamps its webhook deliveries this way (`2026-03-01T04:00:00-08:00`).
///
/// ```
/// use portcullis_runtime::validate::unix_seconds;
///
/// assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
/// assert_eq!(unix_seconds("2026-03-01T04:00:00-08:00"), unix_seconds("2026-03-01T12:00:00Z"));
/// assert_eq!(unix_seconds("yesterday"), None);
/// ```
pub fn unix_seconds(s: &str) -> Option<u64> {
    if !is_date_time(s) {
        return None;
    }
    let b = s.as_bytes();
    let n = |r: std::ops::Range<usize>| digits(&b[r]).map(i64::from);
    let (year, month, day) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hour, minute, second) = (n(11..13)?, n(14..16)?, n(17..19)?);
    // Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse:
    // years start in March, so the leap day is the last day of its year).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let march_month = (month + 9) % 12;
    let day_of_year = (153 * march_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let offset = match b.last()? {
        b'Z' | b'z' => 0,
        _ => {
            let at = b.len() - 6;
            let sign = if b[at] == b'-' { -1 } else { 1 };
            sign * (n(at + 1..at + 3)? * 3600 + n(at + 4..at + 6)? * 60)
        }
    };
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    u64::try_from(seconds).ok()
}

/// The number an all-digit ASCII slice spells.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_full_dates_that_exist() {
        for good in ["2026-03-01", "2024-02-29", "2000-02-29", "1999-12-31"] {
            assert!(is_date(good), "{good}");
        }
        for bad in [
            "2026-3-1",
            "01/03/2026",
            "2026-02-29",
            "1900-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-00-10",
            "2026-01-00",
            "20260301",
            "2026-03-01T",
            "２０２６-03-01",
            "",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    /// Checked against `date -u -d … +%s`.
    #[test]
    fn date_times_name_their_unix_second() {
        for (text, want) in [
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2000-02-29T23:59:59Z", Some(951_868_799)),
            ("2026-03-01T12:00:00Z", Some(1_772_366_400)),
            ("2026-03-01T12:00:00.999Z", Some(1_772_366_400)),
            ("2026-03-01T04:00:00-08:00", Some(1_772_366_400)),
            ("2026-03-01T17:30:00+05:30", Some(1_772_366_400)),
            ("2100-03-01T00:00:00Z", Some(4_107_542_400)),
            ("1969-12-31T23:59:59Z", None),
            ("2026-02-30T00:00:00Z", None),
            ("1772366400", None),
        ] {
            assert_eq!(unix_seconds(text), want, "{text}");
        }
    }

    #[test]
    fn date_times_follow_rfc_3339() {
        for good in [
            "2026-03-01T12:00:00Z",
            "2026-03-01t12:00:00z",
            "2026-03-01T12:00:00.123456Z",
            "2026-03-01T23:59:60+01:00",
            "2026-03-01T00:00:00-05:30",
        ] {
            assert!(is_date_time(good), "{good}");
        }
        for bad in [
            "2026-03-01 12:00:00Z",
            "2026-03-01T12:00:00",
            "2026-03-01T12:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T12:00:00.Z",
            "2026-03-01T12:00:00+0100",
            "2026-02-30T12:00:00Z",
            "2026-03-01T12:00:00+01:00 ",
            "",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn a_refusal_names_the_field_and_the_format_not_the_value() {
        let e = date("create_task", "$.data.due_on", "tomorrow").expect_err("refused");
        assert_eq!(e.kind(), crate::ErrorKind::InvalidRequest);
        let text = e.to_string();
        assert!(
            text.contains("$.data.due_on") && text.contains("format date"),
            "{text}"
        );
        assert!(!text.contains("tomorrow"), "{text}");
        assert!(date_time("op", "$.at", "2026-03-01T12:00:00Z").is_ok());
    }
}
