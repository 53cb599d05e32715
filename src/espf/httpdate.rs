//! HTTP dates (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::model::{civil_from_days, Date};

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month(name: &str) -> Option<u32> {
    MONTHS.iter().position(|m| *m == name).map(|i| i as u32 + 1)
}

fn number(text: &str, digits: usize) -> Option<u32> {
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn time_of_day(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split(':');
    let h = number(parts.next()?, 2)?;
    let m = number(parts.next()?, 2)?;
    let s = number(parts.next()?, 2)?;
    if parts.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some((h, m, s.min(59)))
}

fn to_unix(y: i64, mo: u32, d: u32, (h, mi, s): (u32, u32, u32)) -> Option<i64> {
    let date = Date::new(
        i32::try_from(y).ok()?,
        u8::try_from(mo).ok()?,
        u8::try_from(d).ok()?,
    )?;
    Some(date.days_since_epoch() * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s))
}

/// Seconds since the Unix epoch of an HTTP date in any of the three forms:
/// `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT` and
/// `Sun Nov  6 08:49:37 1994`. The weekday is checked against the date.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let text = text.trim();
    let (weekday, unix) = if let Some((day, rest)) = text.split_once(", ") {
        let parts: Vec<&str> = rest.split(' ').collect();
        if let Some(i) = DAYS.iter().position(|d| *d == day) {
            // IMF-fixdate: 06 Nov 1994 08:49:37 GMT
            let [dd, mon, year, time, "GMT"] = parts.as_slice() else {
                return None;
            };
            let y = number(year, 4)? as i64;
            (
                i,
                to_unix(y, month(mon)?, number(dd, 2)?, time_of_day(time)?)?,
            )
        } else {
            // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            let i = LONG_DAYS.iter().position(|d| *d == day)?;
            let [date, time, "GMT"] = parts.as_slice() else {
                return None;
            };
            let mut dparts = date.split('-');
            let dd = number(dparts.next()?, 2)?;
            let mon = month(dparts.next()?)?;
            let yy = number(dparts.next()?, 2)? as i64;
            if dparts.next().is_some() {
                return None;
            }
            // Two-digit years: RFC 9110 reads one more than 50 years ahead as the past century.
            let y = if yy >= 70 { 1900 + yy } else { 2000 + yy };
            (i, to_unix(y, mon, dd, time_of_day(time)?)?)
        }
    } else {
        // asctime: Sun Nov  6 08:49:37 1994
        let parts: Vec<&str> = text.split(' ').filter(|p| !p.is_empty()).collect();
        let [day, mon, dd, time, year] = parts.as_slice() else {
            return None;
        };
        let i = DAYS.iter().position(|d| d == day)?;
        if dd.is_empty() || dd.len() > 2 || !dd.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let d: u32 = dd.parse().ok()?;
        let y = number(year, 4)? as i64;
        (i, to_unix(y, month(mon)?, d, time_of_day(time)?)?)
    };
    // 1970-01-01 was a Thursday (index 3).
    let actual = (unix.div_euclid(86_400) + 3).rem_euclid(7) as usize;
    (actual == weekday).then_some(unix)
}

/// A time as an IMF-fixdate (`Thu, 12 Apr 2018 15:24:00 GMT`), as the `Date` header carries it.
pub fn format_http_date(time: SystemTime) -> String {
    let secs = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    format_unix(secs)
}

/// Seconds since the epoch as an IMF-fixdate.
pub fn format_unix(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[(days + 3).rem_euclid(7) as usize];
    format!(
        "{weekday}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        MONTHS[usize::from(m - 1)],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Now, as seconds since the epoch.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_forms_of_the_same_instant() {
        let t = 784_111_777;
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(t));
        assert_eq!(format_unix(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn docs_example_and_round_trips() {
        let t = parse_http_date("Thu, 12 Apr 2018 15:24:00 GMT").unwrap();
        assert_eq!(t, 1_523_546_640);
        for secs in [
            0,
            951_782_400,
            1_709_164_800,
            4_102_444_800,
            1_523_546_640 + 86_399,
        ] {
            assert_eq!(
                parse_http_date(&format_unix(secs)),
                Some(secs),
                "{}",
                format_unix(secs)
            );
        }
        assert_eq!(format_unix(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "yesterday",
            "Thu, 12 Apr 2018 15:24:00",
            "Thu, 12 Apr 2018 15:24:00 UTC",
            "Thu, 12 Apr 2018 15:24:00 +0000",
            "Fri, 12 Apr 2018 15:24:00 GMT",
            "Thu, 31 Apr 2018 15:24:00 GMT",
            "Thu, 12 Foo 2018 15:24:00 GMT",
            "Thu, 12 Apr 2018 25:24:00 GMT",
            "Thu, 1 Apr 2018 15:24:00 GMT",
            "Thu, 12 Apr 18 15:24:00 GMT",
            "Thursday, 12-Apr-2018 15:24:00 GMT",
            "Thu Apr 12 15:24 2018",
            "Thu, 29 Feb 2018 00:00:00 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }
}
