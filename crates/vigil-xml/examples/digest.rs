//! Print the on-disk CIB digest of each file given (as `cibadmin --md5-sum -x FILE` does).
fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).expect("readable file");
        match vigil_xml::parse(&text) {
            Ok(doc) => println!("{} {path}", doc.digest()),
            Err(e) => println!("ERROR {path}: {e}"),
        }
    }
}
