//! XML parse + CIB load + typed view: any bytes must give either a located
//! error or a CIB, never a panic. A document that parses must also write
//! back to text that parses to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil_cib::{Cib, CibError};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let doc = match vigil_xml::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            assert!(e.line >= 1, "parse error without a line: {e}");
            return;
        }
    };
    let written = doc.to_xml();
    let again = vigil_xml::parse(&written)
        .unwrap_or_else(|e| panic!("written XML does not parse ({e}):\n{written}"));
    assert_eq!(again.to_xml(), written, "writing is not stable");
    let _ = doc.to_pretty_xml();
    let _ = doc.digest();

    let cib = match Cib::parse(text, "fuzz.xml") {
        Ok(cib) => cib,
        Err(CibError::NotACib { .. }) => return,
        Err(e) => panic!("the document parsed once but not as a CIB: {e}"),
    };
    let _ = cib.version();
    for r in cib.config.all_resources() {
        if let Some(p) = r.primitive() {
            let _ = p.agent_spec();
        }
    }
    for d in &cib.diagnostics.items {
        assert!(!d.render("fuzz.xml").is_empty());
    }
});
