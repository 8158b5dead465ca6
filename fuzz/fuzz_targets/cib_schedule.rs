//! Load followed by the scheduler and the crm_simulate-style rendering:
//! the scheduler must never panic on any CIB that loads.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(cib) = vigil_fuzz::cib(data) else {
        return;
    };
    let now = vigil_fuzz::now(&cib);
    let (current, _) = vigil_scheduler::current_state(&cib, &now);
    let _ = vigil_scheduler::display::header_text(&current);
    let _ = vigil_scheduler::display::status_text(&current);
    let t = vigil_scheduler::schedule(&cib, &now);
    for line in &t.summary {
        let _ = line.text.len();
    }
    let _ = t.cluster.score_log.len();
});
