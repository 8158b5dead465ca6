//! The sliding anti-replay window kept for each sender (RFC 4303's
//! mechanism, with a larger window).

/// How many sequence numbers behind the newest accepted one are still
/// accepted, once each, when they arrive late.
pub const REPLAY_WINDOW: u64 = 1024;

const WORDS: usize = (REPLAY_WINDOW / 64) as usize;

/// What the window says about a sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not seen yet and not too old.
    Fresh,
    /// Already accepted once.
    Duplicate,
    /// Older than the window.
    TooOld,
}

/// The sequence numbers accepted from one incarnation of one sender: the
/// newest, and a bitmap of the [`REPLAY_WINDOW`] numbers ending with it.
#[derive(Clone, Debug)]
pub(crate) struct ReplayWindow {
    /// The newest accepted sequence number (0 before the first).
    newest: u64,
    /// Bit `i` set: `newest - i` was accepted.
    seen: [u64; WORDS],
}

impl ReplayWindow {
    pub(crate) fn new() -> ReplayWindow {
        ReplayWindow {
            newest: 0,
            seen: [0; WORDS],
        }
    }

    /// Classifies `seq` (at least 1) without changing the window.
    pub(crate) fn check(&self, seq: u64) -> Verdict {
        if seq > self.newest {
            return Verdict::Fresh;
        }
        let age = self.newest - seq;
        if age >= REPLAY_WINDOW {
            Verdict::TooOld
        } else if self.bit(age) {
            Verdict::Duplicate
        } else {
            Verdict::Fresh
        }
    }

    /// Records `seq` as accepted; call only after [`ReplayWindow::check`]
    /// said [`Verdict::Fresh`] and the packet was authenticated.
    pub(crate) fn accept(&mut self, seq: u64) {
        if seq > self.newest {
            self.shift(seq - self.newest);
            self.newest = seq;
            self.set(0);
        } else {
            self.set(self.newest - seq);
        }
    }

    fn bit(&self, age: u64) -> bool {
        self.seen[(age / 64) as usize] & (1 << (age % 64)) != 0
    }

    fn set(&mut self, age: u64) {
        self.seen[(age / 64) as usize] |= 1 << (age % 64);
    }

    /// Ages every recorded number by `by`, forgetting those that fall out.
    fn shift(&mut self, by: u64) {
        if by >= REPLAY_WINDOW {
            self.seen = [0; WORDS];
            return;
        }
        let words = (by / 64) as usize;
        let bits = (by % 64) as u32;
        for i in (0..WORDS).rev() {
            let from = i.checked_sub(words);
            let high = from.map_or(0, |j| self.seen[j]);
            let low = from
                .and_then(|j| j.checked_sub(1))
                .map_or(0, |j| self.seen[j]);
            self.seen[i] = if bits == 0 {
                high
            } else {
                (high << bits) | (low >> (64 - bits))
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model: the set of accepted numbers, and the same rule spelled out.
    fn model_check(accepted: &std::collections::BTreeSet<u64>, seq: u64) -> Verdict {
        let newest = accepted.iter().next_back().copied().unwrap_or(0);
        if seq > newest {
            Verdict::Fresh
        } else if newest - seq >= REPLAY_WINDOW {
            Verdict::TooOld
        } else if accepted.contains(&seq) {
            Verdict::Duplicate
        } else {
            Verdict::Fresh
        }
    }

    #[test]
    fn in_order_then_duplicates() {
        let mut w = ReplayWindow::new();
        for seq in 1..=3000 {
            assert_eq!(w.check(seq), Verdict::Fresh);
            w.accept(seq);
            assert_eq!(w.check(seq), Verdict::Duplicate);
        }
        assert_eq!(w.check(3000 - REPLAY_WINDOW + 1), Verdict::Duplicate);
        assert_eq!(w.check(3000 - REPLAY_WINDOW), Verdict::TooOld);
        assert_eq!(w.check(1), Verdict::TooOld);
    }

    #[test]
    fn reordered_within_the_window_is_accepted_once() {
        let mut w = ReplayWindow::new();
        w.accept(100);
        for seq in (1..100).rev() {
            assert_eq!(w.check(seq), Verdict::Fresh, "{seq}");
            w.accept(seq);
        }
        for seq in 1..=100 {
            assert_eq!(w.check(seq), Verdict::Duplicate);
        }
        // A jump larger than the window forgets everything before it.
        w.accept(100 + REPLAY_WINDOW + 5);
        assert_eq!(w.check(100), Verdict::TooOld);
        assert_eq!(w.check(106), Verdict::Fresh);
    }

    #[test]
    fn agrees_with_a_model_on_random_arrivals() {
        let mut rng = vigil_testgen::Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut w = ReplayWindow::new();
        let mut accepted = std::collections::BTreeSet::new();
        let mut front = 0u64;
        for _ in 0..200_000 {
            let r = rng.next_u64();
            // Mostly near the front, sometimes far behind, sometimes a jump.
            let seq = match r % 10 {
                0 => front + 1 + (r >> 8) % 3000,
                1 => front.saturating_sub((r >> 8) % 3000).max(1),
                _ => (front + 1).saturating_sub((r >> 8) % 80).max(1),
            };
            let verdict = w.check(seq);
            assert_eq!(verdict, model_check(&accepted, seq), "seq {seq}");
            if verdict == Verdict::Fresh {
                w.accept(seq);
                accepted.insert(seq);
                front = front.max(seq);
            }
        }
    }
}
