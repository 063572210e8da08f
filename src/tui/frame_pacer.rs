//! When panel changes are drawn. Panel results arrive one by one, spread
//! over each interval: with 500 panels that is hundreds of messages a
//! second, and a frame for each would cost more than the polls. Their
//! frames are drawn at most every `PANEL_FRAME`; keys, journal events and
//! actions draw at once (and take any held panel change with them). A held
//! change is never dropped: the loop wakes at `due()` to draw it.

use std::time::Duration;

use tokio::time::Instant;

/// 100 ms is far below any poll interval: a panel turning FAIL is on
/// screen within a tenth of a second of its result.
pub const PANEL_FRAME: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
pub struct FramePacer {
    last_frame: Instant,
    held: bool,
}

impl FramePacer {
    pub fn new(now: Instant) -> FramePacer {
        FramePacer {
            last_frame: now,
            held: false,
        }
    }

    /// A panel change arrived at `now`: draw it now?
    pub fn panel_changed(&mut self, now: Instant) -> bool {
        self.held = true;
        now.duration_since(self.last_frame) >= PANEL_FRAME
    }

    /// When the held change must be drawn, if one is held.
    pub fn due(&self) -> Option<Instant> {
        self.held.then_some(self.last_frame + PANEL_FRAME)
    }

    /// A frame was drawn at `now`: it showed everything held.
    pub fn drawn(&mut self, now: Instant) {
        self.last_frame = now;
        self.held = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_burst_of_panel_changes_is_one_frame_now_and_one_when_due() {
        let t0 = Instant::now();
        let mut p = FramePacer::new(t0);
        assert_eq!(p.due(), None, "nothing held, nothing due");
        // Right after a frame: held, due 100 ms after that frame.
        assert!(!p.panel_changed(t0 + ms(10)));
        assert!(!p.panel_changed(t0 + ms(60)));
        assert_eq!(p.due(), Some(t0 + ms(100)));
        // The loop wakes when due and draws: nothing is held after.
        p.drawn(t0 + ms(100));
        assert_eq!(p.due(), None);
        // Long after the last frame: drawn at once.
        assert!(p.panel_changed(t0 + ms(350)));
    }

    #[test]
    fn a_frame_for_another_reason_takes_the_held_change_with_it() {
        let t0 = Instant::now();
        let mut p = FramePacer::new(t0);
        assert!(!p.panel_changed(t0 + ms(20)));
        p.drawn(t0 + ms(30)); // a key was pressed
        assert_eq!(p.due(), None);
        assert!(!p.panel_changed(t0 + ms(50)));
        assert_eq!(p.due(), Some(t0 + ms(130)));
    }
}
