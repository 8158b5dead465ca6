//! Load followed by `vigil verify`'s checks: every problem is reported as
//! a located diagnostic, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(cib) = vigil_fuzz::cib(data) else {
        return;
    };
    for d in &vigil_cib::verify::verify(&cib).items {
        assert!(!d.render("fuzz.xml").is_empty());
    }
});
