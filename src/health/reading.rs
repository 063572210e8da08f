//! A reading: one panel status as the conductor stores it in the journal's
//! database, and how every console folds readings back into panel statuses.
//!
//! Only the conductor polls; every console (the conductor included) shows
//! the readings it follows, so every screen shows the same value with the
//! same age, and decision evidence is that canonical reading.

use chrono::{DateTime, Utc};

use super::status::HISTORY;
use super::{PanelMap, PanelState, PanelStatus};

#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The store's id, increasing; 0 before it is stored.
    pub id: i64,
    pub panel: String,
    pub state: PanelState,
    pub value: Option<f64>,
    pub baseline: Option<f64>,
    /// Already redacted by the source.
    pub error: Option<String>,
    /// When the poll that produced it finished (`None`: never polled).
    pub sampled_at: Option<DateTime<Utc>>,
    pub state_since: Option<DateTime<Utc>>,
    pub last_good: Option<DateTime<Utc>>,
}

impl Reading {
    /// The reading of a freshly evaluated status (the conductor's poller).
    pub fn of(st: &PanelStatus) -> Reading {
        Reading {
            id: 0,
            panel: st.id.clone(),
            state: st.state,
            value: st.value,
            baseline: st.baseline,
            error: st.error.clone(),
            sampled_at: st.last_poll,
            state_since: st.state_since,
            last_good: st.last_good,
        }
    }

    /// Did this reading's poll produce a good value (a sparkline point)?
    fn is_sample(&self) -> bool {
        self.value.is_some() && self.last_good.is_some() && self.last_good == self.sampled_at
    }
}

/// A stored state name; a name this build does not know reads UNKNOWN
/// (never green).
pub fn parse_state(s: &str) -> PanelState {
    PanelState::parse(s).unwrap_or(PanelState::Unknown)
}

/// Fold one reading into the panel map: the panel's status becomes the
/// reading, and a good sample joins its sparkline history. Readings of
/// panels the runbook does not have are ignored. Returns the new status.
pub fn apply(panels: &mut PanelMap, r: &Reading) -> Option<PanelStatus> {
    let st = panels.get_mut(&r.panel)?;
    st.state = r.state;
    st.value = r.value;
    st.baseline = r.baseline;
    st.error = r.error.clone();
    st.state_since = r.state_since;
    st.last_poll = r.sampled_at;
    st.last_good = r.last_good;
    if r.is_sample()
        && let Some(v) = r.value
    {
        if st.history.len() >= HISTORY {
            st.history.pop_front();
        }
        st.history.push_back(v);
    }
    Some(st.clone())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn at(s: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(1_700_000_000 + s, 0)
    }

    #[test]
    fn a_good_sample_joins_the_history_an_error_or_stale_tick_does_not() {
        let mut panels = PanelMap::new();
        panels.insert("p".into(), PanelStatus::unknown("p"));
        let good = Reading {
            id: 1,
            panel: "p".into(),
            state: PanelState::Ok,
            value: Some(3.0),
            baseline: None,
            error: None,
            sampled_at: at(1),
            state_since: at(1),
            last_good: at(1),
        };
        apply(&mut panels, &good);
        let stale = Reading {
            id: 2,
            state: PanelState::Stale,
            sampled_at: at(1),
            last_good: at(1),
            value: Some(3.0),
            ..good.clone()
        };
        // Same poll seen again as a STALE tick: no new point.
        let mut tick = stale.clone();
        tick.sampled_at = at(5);
        apply(&mut panels, &tick);
        let err = Reading {
            id: 3,
            state: PanelState::Error,
            value: None,
            error: Some("refused".into()),
            sampled_at: at(6),
            ..good.clone()
        };
        let shown = apply(&mut panels, &err).unwrap();
        assert_eq!(shown.history, [3.0]);
        assert_eq!(shown.state, PanelState::Error);
        assert_eq!(shown.error.as_deref(), Some("refused"));
        assert!(
            apply(
                &mut panels,
                &Reading {
                    panel: "gone".into(),
                    ..good
                }
            )
            .is_none()
        );
    }

    #[test]
    fn every_state_name_reads_back() {
        for s in [
            PanelState::Ok,
            PanelState::Warn,
            PanelState::Fail,
            PanelState::Stale,
            PanelState::Error,
            PanelState::Unknown,
        ] {
            assert_eq!(parse_state(s.as_str()), s);
        }
    }
}
