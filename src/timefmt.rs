//! Every clock and every duration the crate prints, in one place: the
//! console, the report and error texts all read times in the runbook's zone
//! (`[cutover] timezone`, IANA, default UTC) with its abbreviation, and
//! durations in the runbook's own units.
//!
//! chrono-tz rather than jiff: the crate's times are already
//! `chrono::DateTime<Utc>` everywhere (events, state, store), chrono-tz is a
//! `TimeZone` for chrono, and it compiles the IANA database into the binary,
//! so every console of a session shows the same abbreviation whatever the
//! host's `/usr/share/zoneinfo` holds.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

/// The zone every clock is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(Tz);

impl Default for Zone {
    fn default() -> Self {
        Zone::UTC
    }
}

impl Zone {
    pub const UTC: Zone = Zone(Tz::UTC);

    /// An IANA name (`Europe/Berlin`, `America/New_York`, `UTC`); the error
    /// is a sentence for the user.
    pub fn parse(name: &str) -> Result<Zone, String> {
        Tz::from_str(name.trim()).map(Zone).map_err(|_| {
            format!(
                "unknown time zone \"{name}\": expected an IANA name such as \"UTC\", \"Europe/Berlin\" or \"America/New_York\""
            )
        })
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The zone's abbreviation at `t` (`CET`/`CEST`, `EST`/`EDT`, `UTC`).
    pub fn abbrev(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0).format("%Z").to_string()
    }

    /// `14:05:09`.
    pub fn clock(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0).format("%H:%M:%S").to_string()
    }

    /// `14:05`.
    pub fn hhmm(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0).format("%H:%M").to_string()
    }

    /// `2026-11-28 14:05:09`.
    pub fn date_time(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// `14:05:09 CET`: a clock that says which zone it is in.
    pub fn clock_abbrev(&self, t: DateTime<Utc>) -> String {
        format!("{} {}", self.clock(t), self.abbrev(t))
    }

    /// `14:05 CET`.
    pub fn hhmm_abbrev(&self, t: DateTime<Utc>) -> String {
        format!("{} {}", self.hhmm(t), self.abbrev(t))
    }
}

/// The one duration formatter, in the runbook's own units: `36h`,
/// `1h30m`, `45s`, `500ms`, `0s`. Parsing it back gives the same duration.
pub fn duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let mut out = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s"), (ms, "ms")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

/// `duration` to the whole second (`4m12s`, `1h5s`, `0s`): how refusals,
/// notifications and the report show a span.
pub fn seconds(d: Duration) -> String {
    duration(Duration::from_secs(d.as_secs()))
}

/// `duration` of `d` rounded for a narrow column: whole seconds, whole
/// minutes from ten minutes, whole minutes once past an hour
/// (`45s`, `5m30s`, `12m`, `1h30m`).
pub fn rounded(d: Duration) -> String {
    let s = d.as_secs();
    let s = if s >= 600 { s - s % 60 } else { s };
    duration(Duration::from_secs(s))
}

/// `rounded` for a signed span (negative reads as zero).
pub fn rounded_delta(d: TimeDelta) -> String {
    rounded(d.to_std().unwrap_or_default())
}

/// `h:mm:ss` for clocks that run (elapsed, countdowns); negative is zero.
pub fn countdown(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn zones_show_local_time_and_the_abbreviation_of_the_season() {
        let ny = Zone::parse("America/New_York").unwrap();
        let winter = at("2026-01-15T15:00:00Z");
        let summer = at("2026-07-15T15:00:00Z");
        assert_eq!(ny.clock_abbrev(winter), "10:00:00 EST");
        assert_eq!(ny.clock_abbrev(summer), "11:00:00 EDT");
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(berlin.hhmm_abbrev(winter), "16:00 CET");
        assert_eq!(berlin.hhmm_abbrev(summer), "17:00 CEST");
        assert_eq!(Zone::default().clock_abbrev(winter), "15:00:00 UTC");
        assert_eq!(berlin.date_time(winter), "2026-01-15 16:00:00");
    }

    #[test]
    fn unknown_zones_are_refused_with_an_example() {
        for bad in ["Europe/Berlinn", "CET+1", "", "Mars/Olympus"] {
            let e = Zone::parse(bad).unwrap_err();
            assert!(e.contains("Europe/Berlin"), "{e}");
        }
    }

    #[test]
    fn durations_read_in_runbook_units() {
        let cases = [
            (0, "0s"),
            (500, "500ms"),
            (45_000, "45s"),
            (330_000, "5m30s"),
            (900_000, "15m"),
            (5_400_000, "1h30m"),
            (129_600_000, "36h"),
        ];
        for (ms, want) in cases {
            assert_eq!(duration(Duration::from_millis(ms)), want);
        }
    }

    #[test]
    fn rounded_drops_what_a_narrow_column_cannot_use() {
        let cases = [
            (45, "45s"),
            (330, "5m30s"),
            (750, "12m"),
            (5_430, "1h30m"),
            (7_200, "2h"),
        ];
        for (s, want) in cases {
            assert_eq!(rounded(Duration::from_secs(s)), want, "{s}s");
        }
        assert_eq!(rounded_delta(TimeDelta::seconds(-5)), "0s");
        assert_eq!(countdown(TimeDelta::seconds(3725)), "1:02:05");
        assert_eq!(countdown(TimeDelta::seconds(-1)), "0:00:00");
    }
}
