//! The value types XSD built-ins map to, where Rust's own types would lose information:
//! exact decimals, dates and datetimes in PortaBilling's UTC formats, `Y`/`N` flags and binary
//! data.
//!
//! Each type parses the forms a server may send and prints PortaBilling's own form, so a value
//! read over SOAP and the same value read over REST compare equal.

use std::fmt;
use std::str::FromStr;

/// A value that did not parse as the expected type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    what: &'static str,
    input: String,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, input: &str) -> Self {
        // Keep the message short: the input may be a long value from a hostile server.
        let input: String = input.chars().take(64).collect();
        ParseError { what, input }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a valid {}", self.input, self.what)
    }
}

impl std::error::Error for ParseError {}

/// An exact decimal number (`xsd:decimal`): balances, fees and amounts.
///
/// It keeps every digit it was given, up to 38 significant digits and 30 after the point, so
/// money never goes through a binary float, and prints them back: `"1.50"` displays as
/// `1.50`. Equality, ordering and hashing compare values, so `1.50 == 1.5`.
///
/// In JSON (REST bodies, the command's output, batch results) a decimal is always a string,
/// `"20.98506"`, whatever its value, so no reader loses a digit through a float; reading
/// accepts a number or a string. With the `rust_decimal` feature it converts to and from
/// `rust_decimal::Decimal` without loss.
///
/// ```
/// use portabilling::Decimal;
/// let balance: Decimal = "20.98506".parse().unwrap();
/// assert_eq!(balance.to_string(), "20.98506");
/// let fee: Decimal = "1.50".parse().unwrap();
/// assert_eq!(fee.to_string(), "1.50");
/// assert_eq!(fee, "1.5".parse().unwrap());
/// assert!(fee < balance);
/// ```
#[derive(Clone, Copy, Default)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// The largest number of fraction digits a [`Decimal`] keeps.
const MAX_SCALE: u32 = 30;

impl Decimal {
    /// A decimal of `mantissa × 10^-scale`, keeping that many digits after the point; a
    /// scale over 30 is reduced to 30, rounding toward zero.
    pub fn new(mut mantissa: i128, mut scale: u32) -> Self {
        while scale > MAX_SCALE {
            mantissa /= 10;
            scale -= 1;
        }
        Decimal { mantissa, scale }
    }

    /// The digits, without the decimal point.
    pub fn mantissa(&self) -> i128 {
        self.mantissa
    }

    /// The number of digits after the decimal point.
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// The nearest `f64`, for arithmetic where exactness does not matter.
    pub fn to_f64(&self) -> f64 {
        // Through the decimal string: exact rounding without a big-number library.
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The decimal that prints as `value`'s shortest round-trip form (`0.1` for `0.1f64`).
    /// Returns `None` for NaN and infinities.
    pub fn from_f64(value: f64) -> Option<Self> {
        if !value.is_finite() {
            return None;
        }
        // Rust's `Display` for floats is the shortest string that reads back as the same
        // value, never in exponent form.
        format!("{value}").parse().ok()
    }

    /// Whether this value prints the same through an `f64` (so an untyped answer may carry it
    /// as a JSON number).
    pub(crate) fn is_exact_f64(&self) -> bool {
        Decimal::from_f64(self.to_f64()).is_some_and(|d| d == *self)
    }

    fn normalized(mut self) -> Self {
        while self.scale > 0 && self.mantissa % 10 == 0 {
            self.mantissa /= 10;
            self.scale -= 1;
        }
        self
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.normalized(), other.normalized());
        a.mantissa == b.mantissa && a.scale == b.scale
    }
}

impl Eq for Decimal {}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let (a, b) = (self.normalized(), other.normalized());
        // Bring both to the larger scale; a mantissa that overflows on the way is larger in
        // magnitude than any i128, so its sign decides.
        let (a_m, b_m) = if a.scale >= b.scale {
            (Some(a.mantissa), rescale(b.mantissa, a.scale - b.scale))
        } else {
            (rescale(a.mantissa, b.scale - a.scale), Some(b.mantissa))
        };
        match (a_m, b_m) {
            (Some(x), Some(y)) => x.cmp(&y),
            (None, _) => a.mantissa.cmp(&0),
            (_, None) => 0.cmp(&b.mantissa),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// `mantissa × 10^by`, if it fits.
fn rescale(mantissa: i128, by: u32) -> Option<i128> {
    10i128
        .checked_pow(by)
        .and_then(|factor| mantissa.checked_mul(factor))
}

impl std::hash::Hash for Decimal {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let n = self.normalized();
        n.mantissa.hash(state);
        n.scale.hash(state);
    }
}

impl FromStr for Decimal {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = || ParseError::new("decimal", s);
        let t = s.trim_ascii();
        // Perl writes small and large floats in exponent form (`1e-05`).
        let (number, exponent) = match t.find(['e', 'E']) {
            Some(i) => {
                let exp: i32 = t[i + 1..].parse().map_err(|_| err())?;
                (&t[..i], exp)
            }
            None => (t, 0),
        };
        let (negative, digits) = match number.as_bytes().first() {
            Some(b'-') => (true, &number[1..]),
            Some(b'+') => (false, &number[1..]),
            _ => (false, number),
        };
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, f),
            None => (digits, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err());
        }
        if !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        // Trailing zeros of the fraction carry no value, but are kept for display (`1.50`)
        // when there is room for them.
        let given_zeros = frac_part.len() - frac_part.trim_end_matches('0').len();
        let frac_part = frac_part.trim_end_matches('0');
        let mut mantissa: i128 = 0;
        for b in int_part.bytes().chain(frac_part.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .ok_or_else(err)?;
        }
        let mut scale = frac_part.len() as i64 - i64::from(exponent);
        if mantissa == 0 {
            // Zero whatever the exponent: `0e2147483647` must not loop two billion times.
            scale = 0;
        }
        while scale < 0 {
            mantissa = mantissa.checked_mul(10).ok_or_else(err)?;
            scale += 1;
        }
        // Zeros at the end of the digits carry no value either (`10e-31` is `1e-30`): drop
        // them before judging the scale.
        while scale > i64::from(MAX_SCALE) && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        if scale > i64::from(MAX_SCALE) {
            return Err(err());
        }
        if negative {
            mantissa = -mantissa;
        }
        let mut value = Decimal {
            mantissa,
            scale: scale as u32,
        };
        for _ in 0..given_zeros {
            match value.mantissa.checked_mul(10) {
                Some(m) if value.scale < MAX_SCALE => {
                    value.mantissa = m;
                    value.scale += 1;
                }
                _ => break,
            }
        }
        Ok(value)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int_part, frac_part) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int_part}.{frac_part}")
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<i64> for Decimal {
    fn from(v: i64) -> Self {
        Decimal {
            mantissa: i128::from(v),
            scale: 0,
        }
    }
}

/// A calendar date (`xsd:date`), as PortaBilling writes it: `YYYY-MM-DD`.
///
/// ```
/// use portabilling::runtime::Date;
/// let d: Date = "2023-05-12".parse().unwrap();
/// assert_eq!((d.year(), d.month(), d.day()), (2023, 5, 12));
/// assert_eq!(d.to_string(), "2023-05-12");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A date, if it exists in the proleptic Gregorian calendar.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        let valid = (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && (-9999..=9999).contains(&year);
        valid.then_some(Date { year, month, day })
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, 1 to 31.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Option<Self> {
        let (y, m, d) = civil_from_days(days);
        Date::new(i32::try_from(y).ok()?, m, d)
    }

    /// Parses `YYYY-MM-DD`, optionally followed by an xsd:date time zone (ignored: a date has
    /// no instant to convert).
    fn parse_prefix(s: &str) -> Option<(Self, &str)> {
        let b = s.as_bytes();
        let (negative, b, offset) = match b.first() {
            Some(b'-') => (true, &b[1..], 1),
            _ => (false, b, 0),
        };
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = digits(&b[0..4])? as i32;
        let date = Date::new(
            if negative { -year } else { year },
            digits(&b[5..7])? as u8,
            digits(&b[8..10])? as u8,
        )?;
        Some((date, &s[offset + 10..]))
    }
}

impl FromStr for Date {
    type Err = ParseError;

    /// Reads `YYYY-MM-DD` and xsd:date forms (`2023-05-12Z`, `2023-05-12+02:00`). A datetime
    /// (`2023-05-12 10:00:00`) is also accepted, for its UTC date.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let t = s.trim_ascii();
        let (date, rest) = Date::parse_prefix(t).ok_or_else(|| ParseError::new("date", s))?;
        if rest.is_empty() || parse_zone(rest).is_some() {
            return Ok(date);
        }
        t.parse::<DateTime>()
            .map(|dt| dt.date())
            .map_err(|_| ParseError::new("date", s))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year < 0 {
            write!(f, "-{:04}-{:02}-{:02}", -self.year, self.month, self.day)
        } else {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }
}

/// A time of day (`xsd:time`), `HH:MM:SS` with optional fractional seconds, in UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    hour: u8,
    minute: u8,
    second: u8,
    nanosecond: u32,
}

impl Time {
    /// A time, if valid.
    pub fn new(hour: u8, minute: u8, second: u8, nanosecond: u32) -> Option<Self> {
        (hour < 24 && minute < 60 && second < 60 && nanosecond < 1_000_000_000).then_some(Time {
            hour,
            minute,
            second,
            nanosecond,
        })
    }

    /// The hour, 0 to 23.
    pub fn hour(&self) -> u8 {
        self.hour
    }

    /// The minute, 0 to 59.
    pub fn minute(&self) -> u8 {
        self.minute
    }

    /// The second, 0 to 59.
    pub fn second(&self) -> u8 {
        self.second
    }

    /// The fraction of the second, in nanoseconds.
    pub fn nanosecond(&self) -> u32 {
        self.nanosecond
    }

    fn seconds_of_day(&self) -> i64 {
        i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second)
    }

    /// Parses `HH:MM:SS[.fff]`, returning the rest of the input.
    fn parse_prefix(s: &str) -> Option<(Self, &str)> {
        let b = s.as_bytes();
        if b.len() < 8 || b[2] != b':' || b[5] != b':' {
            return None;
        }
        let (hour, minute, second) = (digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
        let mut rest = &s[8..];
        let mut nanosecond = 0u32;
        if let Some(frac) = rest.strip_prefix('.') {
            let len = frac.bytes().take_while(u8::is_ascii_digit).count();
            if len == 0 {
                return None;
            }
            let mut scale = 100_000_000u32;
            for &d in frac.as_bytes()[..len].iter().take(9) {
                nanosecond += u32::from(d - b'0') * scale;
                scale /= 10;
            }
            rest = &frac[len..];
        }
        // 24:00:00 is midnight at the end of the day; keep it out rather than guess.
        let time = Time::new(hour as u8, minute as u8, second as u8, nanosecond)?;
        Some((time, rest))
    }
}

impl FromStr for Time {
    type Err = ParseError;

    /// Reads `HH:MM:SS[.fff]` with an optional zone, converted to UTC.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = || ParseError::new("time", s);
        let (time, rest) = Time::parse_prefix(s.trim_ascii()).ok_or_else(err)?;
        let offset = if rest.is_empty() {
            0
        } else {
            parse_zone(rest).ok_or_else(err)?
        };
        let secs = (time.seconds_of_day() - offset).rem_euclid(86_400);
        Ok(Time {
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
            nanosecond: time.nanosecond,
        })
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.hour, self.minute, self.second)?;
        write_fraction(f, self.nanosecond)
    }
}

/// An instant (`xsd:dateTime`) in UTC, as PortaBilling writes it: `YYYY-MM-DD HH:MM:SS`.
///
/// Parsing also reads the xsd:dateTime form (`2023-05-26T17:19:16Z`, with any offset, which is
/// converted to UTC). A value without a zone is UTC: PortaBilling's API documents all its
/// datetimes as UTC.
///
/// ```
/// use portabilling::runtime::DateTime;
/// let a: DateTime = "2023-05-26 17:19:16".parse().unwrap();
/// let b: DateTime = "2023-05-26T19:19:16+02:00".parse().unwrap();
/// assert_eq!(a, b);
/// assert_eq!(b.to_string(), "2023-05-26 17:19:16");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    date: Date,
    time: Time,
}

impl DateTime {
    /// A datetime from a UTC date and time.
    pub fn new(date: Date, time: Time) -> Self {
        DateTime { date, time }
    }

    /// The UTC date.
    pub fn date(&self) -> Date {
        self.date
    }

    /// The UTC time of day.
    pub fn time(&self) -> Time {
        self.time
    }

    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub fn unix_timestamp(&self) -> i64 {
        self.date.days_since_epoch() * 86_400 + self.time.seconds_of_day()
    }

    /// The datetime `seconds` after the Unix epoch.
    pub fn from_unix_timestamp(seconds: i64) -> Option<Self> {
        let date = Date::from_days_since_epoch(seconds.div_euclid(86_400))?;
        let s = seconds.rem_euclid(86_400);
        let time = Time::new((s / 3600) as u8, (s / 60 % 60) as u8, (s % 60) as u8, 0)?;
        Some(DateTime { date, time })
    }

    /// The current time.
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        DateTime::from_unix_timestamp(secs).unwrap_or_default()
    }
}

impl FromStr for DateTime {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = || ParseError::new("datetime", s);
        let t = s.trim_ascii();
        let (date, rest) = Date::parse_prefix(t).ok_or_else(err)?;
        if rest.is_empty() {
            return Ok(DateTime {
                date,
                time: Time::default(),
            });
        }
        let rest = rest.strip_prefix(['T', ' ']).ok_or_else(err)?;
        let (time, rest) = Time::parse_prefix(rest).ok_or_else(err)?;
        let offset = if rest.is_empty() {
            0
        } else {
            parse_zone(rest).ok_or_else(err)?
        };
        let local = DateTime { date, time };
        if offset == 0 {
            return Ok(local);
        }
        let utc = DateTime::from_unix_timestamp(local.unix_timestamp() - offset).ok_or_else(err)?;
        Ok(DateTime {
            date: utc.date,
            time: Time {
                nanosecond: time.nanosecond,
                ..utc.time
            },
        })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.date, self.time)
    }
}

fn write_fraction(f: &mut fmt::Formatter<'_>, nanosecond: u32) -> fmt::Result {
    if nanosecond == 0 {
        return Ok(());
    }
    let digits = format!("{nanosecond:09}");
    write!(f, ".{}", digits.trim_end_matches('0'))
}

/// Parses a zone designator (`Z`, `+02:00`, `-0530`), returning its offset in seconds.
fn parse_zone(s: &str) -> Option<i64> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = match b.len() {
        6 if b[3] == b':' => (digits(&b[1..3])?, digits(&b[4..6])?),
        5 => (digits(&b[1..3])?, digits(&b[3..5])?),
        3 => (digits(&b[1..3])?, 0),
        _ => return None,
    };
    (h <= 14 && m < 60).then_some(sign * (h as i64 * 3600 + m as i64 * 60))
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn is_leap(year: i32) -> bool {
    (year.rem_euclid(4) == 0 && year.rem_euclid(100) != 0) || year.rem_euclid(400) == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `days` after 1970-01-01 (Howard Hinnant's algorithm), for any day count
/// (the year is not limited to `Date`'s range).
pub(crate) fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// PortaBilling's `Y`/`N` flag.
///
/// It reads `Y`/`N` (any case), `1`/`0` and `true`/`false`, and writes `Y` or `N`, as
/// PortaBilling's own `*_info` structures do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    /// `N`.
    #[default]
    No,
    /// `Y`.
    Yes,
}

impl Flag {
    /// Whether the flag is set.
    pub fn is_set(self) -> bool {
        self == Flag::Yes
    }

    /// `"Y"` or `"N"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Yes => "Y",
            Flag::No => "N",
        }
    }
}

impl From<bool> for Flag {
    fn from(v: bool) -> Self {
        if v {
            Flag::Yes
        } else {
            Flag::No
        }
    }
}

impl FromStr for Flag {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        match s.trim_ascii() {
            "Y" | "y" | "1" | "true" | "TRUE" | "True" => Ok(Flag::Yes),
            "N" | "n" | "0" | "false" | "FALSE" | "False" => Ok(Flag::No),
            _ => Err(ParseError::new("Y/N flag", s)),
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Binary data carried as base64 text (`xsd:base64Binary`): file contents, for example.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Base64Binary(pub Vec<u8>);

impl FromStr for Base64Binary {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        base64::decode(s)
            .map(Base64Binary)
            .ok_or_else(|| ParseError::new("base64 value", s))
    }
}

impl fmt::Display for Base64Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&base64::encode(&self.0))
    }
}

impl fmt::Debug for Base64Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base64Binary({} bytes)", self.0.len())
    }
}

/// Binary data carried as hexadecimal text (`xsd:hexBinary`).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct HexBinary(pub Vec<u8>);

impl FromStr for HexBinary {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        let t = s.trim_ascii().as_bytes();
        if !t.len().is_multiple_of(2) {
            return Err(ParseError::new("hex value", s));
        }
        let nibble = |c: u8| (c as char).to_digit(16);
        t.chunks(2)
            .map(|p| Some((nibble(p[0])? << 4 | nibble(p[1])?) as u8))
            .collect::<Option<Vec<u8>>>()
            .map(HexBinary)
            .ok_or_else(|| ParseError::new("hex value", s))
    }
}

impl fmt::Display for HexBinary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02X}"))
    }
}

impl fmt::Debug for HexBinary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HexBinary({} bytes)", self.0.len())
    }
}

/// Standard base64 (RFC 4648, with padding), the alphabet of `xsd:base64Binary`, HTTP Basic
/// authentication and JWT payloads (with the URL-safe variant).
pub(crate) mod base64 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// Encodes with padding.
    pub fn encode(input: &[u8]) -> String {
        let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
        for chunk in input.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// Decodes standard or URL-safe base64, with or without padding, ignoring whitespace.
    /// Returns `None` on any other character or a truncated group.
    pub fn decode(input: &str) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(input.len() / 4 * 3);
        let mut acc = 0u32;
        let mut bits = 0;
        let mut padding = 0;
        for c in input.bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' | b'-' => 62,
                b'/' | b'_' => 63,
                b'=' => {
                    padding += 1;
                    continue;
                }
                b' ' | b'\n' | b'\r' | b'\t' => continue,
                _ => return None,
            };
            if padding > 0 {
                return None;
            }
            acc = (acc << 6) | u32::from(v);
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        // Leftover bits must be zero padding of a partial group (2 or 4 bits).
        if bits >= 6 || acc != 0 || padding > 2 {
            return None;
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        for s in [
            "0",
            "1",
            "-1",
            "20.98506",
            "0.00001",
            "123456789012345678901234.5",
            "-0.5",
        ] {
            assert_eq!(s.parse::<Decimal>().unwrap().to_string(), s);
        }
        assert_eq!("1.50".parse::<Decimal>().unwrap().to_string(), "1.50");
        assert_eq!("0.000".parse::<Decimal>().unwrap().to_string(), "0.000");
        assert_eq!("+.5".parse::<Decimal>().unwrap().to_string(), "0.5");
        assert_eq!("7.".parse::<Decimal>().unwrap().to_string(), "7");
        assert_eq!("1e-05".parse::<Decimal>().unwrap().to_string(), "0.00001");
        assert_eq!("-1.5E+3".parse::<Decimal>().unwrap().to_string(), "-1500");
        assert_eq!("2.50e1".parse::<Decimal>().unwrap().to_string(), "25.0");
        for bad in [
            "",
            ".",
            "1e",
            "e5",
            "1e99999",
            "abc",
            "1.2.3",
            "--1",
            "99999999999999999999999999999999999999999",
        ] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad}");
        }
        assert_eq!(Decimal::from_f64(20.98506).unwrap().to_string(), "20.98506");
        assert_eq!(Decimal::from_f64(0.1).unwrap().to_string(), "0.1");
        assert!(Decimal::from_f64(f64::NAN).is_none());
        assert!("0.1".parse::<Decimal>().unwrap().is_exact_f64());
        assert!(!"12345678901234567890.123"
            .parse::<Decimal>()
            .unwrap()
            .is_exact_f64());
    }

    #[test]
    fn dates_and_times_read_portabilling_and_xsd_forms() {
        let d: Date = "2023-05-12".parse().unwrap();
        assert_eq!(d.to_string(), "2023-05-12");
        assert_eq!("2023-05-12Z".parse::<Date>().unwrap(), d);
        assert_eq!("2023-05-12+02:00".parse::<Date>().unwrap(), d);
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert!("2023-13-01".parse::<Date>().is_err());
        assert!("20230512".parse::<Date>().is_err());
        let a: DateTime = "2023-05-26 17:19:16".parse().unwrap();
        assert_eq!(a.to_string(), "2023-05-26 17:19:16");
        assert_eq!("2023-05-26T17:19:16Z".parse::<DateTime>().unwrap(), a);
        assert_eq!("2023-05-26T19:49:16+02:30".parse::<DateTime>().unwrap(), a);
        assert_eq!("2023-05-26T12:19:16-05:00".parse::<DateTime>().unwrap(), a);
        let midnight: DateTime = "2023-01-01T00:30:00+01:00".parse().unwrap();
        assert_eq!(midnight.to_string(), "2022-12-31 23:30:00");
        let frac: DateTime = "2023-05-26T17:19:16.250Z".parse().unwrap();
        assert_eq!(frac.to_string(), "2023-05-26 17:19:16.25");
        assert!("2023-05-26 25:00:00".parse::<DateTime>().is_err());
        assert!("2023-05-26 17:19".parse::<DateTime>().is_err());
        assert_eq!(a.unix_timestamp(), 1_685_121_556);
        assert_eq!(DateTime::from_unix_timestamp(1_685_121_556), Some(a));
        assert_eq!(
            "10:00:00+02:00".parse::<Time>().unwrap().to_string(),
            "08:00:00"
        );
    }

    #[test]
    fn flags_read_every_form() {
        for yes in ["Y", "y", "1", "true"] {
            assert_eq!(yes.parse::<Flag>().unwrap(), Flag::Yes);
        }
        for no in ["N", "0", "false"] {
            assert_eq!(no.parse::<Flag>().unwrap(), Flag::No);
        }
        assert!("maybe".parse::<Flag>().is_err());
    }

    #[test]
    fn base64_round_trips() {
        for data in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            &[0, 255, 128],
        ] {
            let text = base64::encode(data);
            assert_eq!(base64::decode(&text).unwrap(), data);
        }
        assert_eq!(base64::encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64::decode("Zm9vYg").unwrap(), b"foob");
        assert!(base64::decode("Zm9v!").is_none());
        assert!(base64::decode("Zg=x").is_none());
        assert_eq!("00ff10".parse::<HexBinary>().unwrap().to_string(), "00FF10");
    }
}
