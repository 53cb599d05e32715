//! Conversions between the model's value types and the crates users already have, each
//! behind its feature: `rust_decimal` for [`Decimal`], `chrono` and `time` for [`Date`],
//! [`Time`] and [`DateTime`] (PortaBilling's datetimes are UTC). A conversion that cannot
//! lose anything is a `From`; one that can meet a value the other side cannot hold (more
//! than 28 decimal places, a year outside PortaBilling's four digits) is a `TryFrom` that
//! says so with a [`ParseError`], never a silent rounding.

#![cfg_attr(
    not(any(feature = "rust_decimal", feature = "chrono", feature = "time")),
    allow(unused_imports)
)]

use super::scalar::{Date, DateTime, Decimal, ParseError, Time};

/// The error of a conversion that does not fit.
#[allow(dead_code)]
fn unfit(what: &'static str, value: impl std::fmt::Display) -> ParseError {
    ParseError::new(what, &value.to_string())
}

#[cfg(feature = "rust_decimal")]
mod decimal {
    use super::*;

    /// Every `rust_decimal::Decimal` (96-bit mantissa, scale up to 28) fits.
    impl From<rust_decimal::Decimal> for Decimal {
        fn from(d: rust_decimal::Decimal) -> Self {
            Decimal::new(d.mantissa(), d.scale())
        }
    }

    /// Fails for more than 28 decimal places or a mantissa over 96 bits.
    impl TryFrom<Decimal> for rust_decimal::Decimal {
        type Error = ParseError;

        fn try_from(d: Decimal) -> Result<Self, ParseError> {
            rust_decimal::Decimal::try_from_i128_with_scale(d.mantissa(), d.scale())
                .map_err(|_| unfit("rust_decimal::Decimal (28 places, 96 bits)", d))
        }
    }
}

#[cfg(feature = "chrono")]
mod with_chrono {
    use super::*;
    use chrono::{Datelike, Timelike};

    impl TryFrom<Date> for chrono::NaiveDate {
        type Error = ParseError;

        fn try_from(d: Date) -> Result<Self, ParseError> {
            chrono::NaiveDate::from_ymd_opt(d.year(), d.month().into(), d.day().into())
                .ok_or_else(|| unfit("chrono::NaiveDate", d))
        }
    }

    /// Fails for a year outside -9999 to 9999.
    impl TryFrom<chrono::NaiveDate> for Date {
        type Error = ParseError;

        fn try_from(d: chrono::NaiveDate) -> Result<Self, ParseError> {
            let (month, day) = (d.month() as u8, d.day() as u8);
            Date::new(d.year(), month, day).ok_or_else(|| unfit("date", d))
        }
    }

    impl TryFrom<Time> for chrono::NaiveTime {
        type Error = ParseError;

        fn try_from(t: Time) -> Result<Self, ParseError> {
            chrono::NaiveTime::from_hms_nano_opt(
                t.hour().into(),
                t.minute().into(),
                t.second().into(),
                t.nanosecond(),
            )
            .ok_or_else(|| unfit("chrono::NaiveTime", t))
        }
    }

    /// Fails for a leap second (`23:59:60`), which [`Time`] does not hold.
    impl TryFrom<chrono::NaiveTime> for Time {
        type Error = ParseError;

        fn try_from(t: chrono::NaiveTime) -> Result<Self, ParseError> {
            Time::new(
                t.hour() as u8,
                t.minute() as u8,
                t.second() as u8,
                t.nanosecond(),
            )
            .ok_or_else(|| unfit("time", t))
        }
    }

    /// The UTC date and time as a `NaiveDateTime`.
    impl TryFrom<DateTime> for chrono::NaiveDateTime {
        type Error = ParseError;

        fn try_from(d: DateTime) -> Result<Self, ParseError> {
            Ok(chrono::NaiveDateTime::new(
                d.date().try_into()?,
                d.time().try_into()?,
            ))
        }
    }

    /// A `NaiveDateTime` taken as UTC.
    impl TryFrom<chrono::NaiveDateTime> for DateTime {
        type Error = ParseError;

        fn try_from(d: chrono::NaiveDateTime) -> Result<Self, ParseError> {
            Ok(DateTime::new(d.date().try_into()?, d.time().try_into()?))
        }
    }

    impl TryFrom<DateTime> for chrono::DateTime<chrono::Utc> {
        type Error = ParseError;

        fn try_from(d: DateTime) -> Result<Self, ParseError> {
            chrono::NaiveDateTime::try_from(d).map(|n| n.and_utc())
        }
    }

    /// Any time zone, converted to UTC.
    impl<Tz: chrono::TimeZone> TryFrom<chrono::DateTime<Tz>> for DateTime {
        type Error = ParseError;

        fn try_from(d: chrono::DateTime<Tz>) -> Result<Self, ParseError> {
            d.naive_utc().try_into()
        }
    }
}

#[cfg(feature = "time")]
mod with_time {
    use super::*;

    impl TryFrom<Date> for time::Date {
        type Error = ParseError;

        fn try_from(d: Date) -> Result<Self, ParseError> {
            let month = time::Month::try_from(d.month()).map_err(|_| unfit("time::Date", d))?;
            time::Date::from_calendar_date(d.year(), month, d.day())
                .map_err(|_| unfit("time::Date", d))
        }
    }

    /// Fails for a year outside -9999 to 9999.
    impl TryFrom<time::Date> for Date {
        type Error = ParseError;

        fn try_from(d: time::Date) -> Result<Self, ParseError> {
            Date::new(d.year(), d.month().into(), d.day()).ok_or_else(|| unfit("date", d))
        }
    }

    impl TryFrom<Time> for time::Time {
        type Error = ParseError;

        fn try_from(t: Time) -> Result<Self, ParseError> {
            time::Time::from_hms_nano(t.hour(), t.minute(), t.second(), t.nanosecond())
                .map_err(|_| unfit("time::Time", t))
        }
    }

    impl TryFrom<time::Time> for Time {
        type Error = ParseError;

        fn try_from(t: time::Time) -> Result<Self, ParseError> {
            Time::new(t.hour(), t.minute(), t.second(), t.nanosecond())
                .ok_or_else(|| unfit("time", t))
        }
    }

    /// The UTC date and time as a `PrimitiveDateTime`.
    impl TryFrom<DateTime> for time::PrimitiveDateTime {
        type Error = ParseError;

        fn try_from(d: DateTime) -> Result<Self, ParseError> {
            Ok(time::PrimitiveDateTime::new(
                d.date().try_into()?,
                d.time().try_into()?,
            ))
        }
    }

    /// A `PrimitiveDateTime` taken as UTC.
    impl TryFrom<time::PrimitiveDateTime> for DateTime {
        type Error = ParseError;

        fn try_from(d: time::PrimitiveDateTime) -> Result<Self, ParseError> {
            Ok(DateTime::new(d.date().try_into()?, d.time().try_into()?))
        }
    }

    impl TryFrom<DateTime> for time::OffsetDateTime {
        type Error = ParseError;

        fn try_from(d: DateTime) -> Result<Self, ParseError> {
            time::PrimitiveDateTime::try_from(d).map(|p| p.assume_utc())
        }
    }

    /// Any offset, converted to UTC.
    impl TryFrom<time::OffsetDateTime> for DateTime {
        type Error = ParseError;

        fn try_from(d: time::OffsetDateTime) -> Result<Self, ParseError> {
            let utc = d.to_offset(time::UtcOffset::UTC);
            time::PrimitiveDateTime::new(utc.date(), utc.time()).try_into()
        }
    }
}

#[cfg(test)]
mod tests {
    #[allow(unused_imports)]
    use super::*;

    #[cfg(feature = "rust_decimal")]
    #[test]
    fn decimals_convert_without_loss() {
        for text in [
            "20.98506",
            "-1.50",
            "0",
            "79228162514264337593543950335",
            "0.0000000000000000000000000001",
        ] {
            let ours: Decimal = text.parse().unwrap();
            let theirs = rust_decimal::Decimal::try_from(ours).unwrap();
            assert_eq!(theirs.to_string(), text);
            assert_eq!(Decimal::from(theirs).to_string(), text);
        }
        // 30 places do not fit in rust_decimal's 28: an error, not a rounding.
        let fine: Decimal = "0.000000000000000000000000000001".parse().unwrap();
        assert!(rust_decimal::Decimal::try_from(fine).is_err());
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn chrono_dates_and_datetimes_round_trip() {
        let ours: DateTime = "2023-05-26 17:19:16".parse().unwrap();
        let naive = chrono::NaiveDateTime::try_from(ours).unwrap();
        assert_eq!(naive.to_string(), "2023-05-26 17:19:16");
        assert_eq!(DateTime::try_from(naive).unwrap(), ours);
        let utc = chrono::DateTime::<chrono::Utc>::try_from(ours).unwrap();
        assert_eq!(utc.timestamp(), ours.unix_timestamp());
        let prague = utc.with_timezone(&chrono::FixedOffset::east_opt(7200).unwrap());
        assert_eq!(DateTime::try_from(prague).unwrap(), ours);
        let far = chrono::NaiveDate::from_ymd_opt(20_000, 1, 1).unwrap();
        assert!(Date::try_from(far).is_err());
    }

    #[cfg(feature = "time")]
    #[test]
    fn time_dates_and_datetimes_round_trip() {
        let ours: DateTime = "2023-05-26 17:19:16".parse().unwrap();
        let offset = time::OffsetDateTime::try_from(ours).unwrap();
        assert_eq!(offset.unix_timestamp(), ours.unix_timestamp());
        assert_eq!(DateTime::try_from(offset).unwrap(), ours);
        let plus_two = offset.to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap());
        assert_eq!(DateTime::try_from(plus_two).unwrap(), ours);
        let date: Date = "2024-02-29".parse().unwrap();
        assert_eq!(
            Date::try_from(time::Date::try_from(date).unwrap()).unwrap(),
            date
        );
    }
}
