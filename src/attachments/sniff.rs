//! What an upload is, read from its first bytes: only PDF, PNG, JPEG, OFD (the Chinese fixed
//! layout format of e-invoices, GB/T 33190: a zip with an `OFD.xml` entry), DOCX and XLSX are
//! accepted. The declared `Content-Type` is never trusted: the stored type is the sniffed one.

/// How many bytes are read before the type is decided (zip entry names of office files and
/// OFD packages appear well within this).
pub const SNIFF_BYTES: usize = 64 * 1024;

/// PDF.
pub const PDF: &str = "application/pdf";
/// PNG.
pub const PNG: &str = "image/png";
/// JPEG.
pub const JPEG: &str = "image/jpeg";
/// OFD (版式文档, GB/T 33190).
pub const OFD: &str = "application/ofd";
/// DOCX.
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/// XLSX.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Every accepted type, with the file extension it is saved under.
pub const ALLOWED: &[(&str, &str)] =
    &[(PDF, "pdf"), (PNG, "png"), (JPEG, "jpg"), (OFD, "ofd"), (DOCX, "docx"), (XLSX, "xlsx")];

/// The extension of an accepted type.
pub fn extension(content_type: &str) -> &'static str {
    ALLOWED.iter().find(|(t, _)| *t == content_type).map_or("bin", |(_, ext)| ext)
}

/// The accepted type of these first bytes, or `None` for anything else.
pub fn sniff(prefix: &[u8]) -> Option<&'static str> {
    if let Some(kind) = infer::get(prefix) {
        let mime = kind.mime_type();
        if let Some((allowed, _)) = ALLOWED.iter().find(|(t, _)| *t == mime) {
            return Some(allowed);
        }
    }
    if prefix.starts_with(b"PK\x03\x04") { zip_kind(prefix) } else { None }
}

/// Tells OFD, DOCX and XLSX apart by the names of the zip's local file headers.
fn zip_kind(prefix: &[u8]) -> Option<&'static str> {
    let mut found = None;
    for name in entry_names(prefix) {
        if name.eq_ignore_ascii_case(b"OFD.xml") {
            return Some(OFD);
        }
        if found.is_none() && name.starts_with(b"word/") {
            found = Some(DOCX);
        } else if found.is_none() && name.starts_with(b"xl/") {
            found = Some(XLSX);
        }
    }
    found
}

/// The file names of the local file headers found in the bytes (`PK\3\4`, name length at
/// offset 26, name at 30).
fn entry_names(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at + 30 <= bytes.len() {
            let start = at;
            at += 1;
            if &bytes[start..start + 4] != b"PK\x03\x04" {
                continue;
            }
            let len = usize::from(u16::from_le_bytes([bytes[start + 26], bytes[start + 27]]));
            if let Some(name) = bytes.get(start + 30..start + 30 + len) {
                at = start + 30 + len;
                return Some(name);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip local file header for `name` with no data.
    pub(crate) fn entry(name: &str) -> Vec<u8> {
        let mut header = b"PK\x03\x04".to_vec();
        header.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        header.extend_from_slice(&[0; 12]);
        header.extend_from_slice(&(name.len() as u16).to_le_bytes());
        header.extend_from_slice(&[0, 0]);
        header.extend_from_slice(name.as_bytes());
        header
    }

    #[test]
    fn the_allowed_kinds_are_told_apart() {
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), Some(PDF));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(PNG));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), Some(JPEG));
        let ofd = [entry("Doc_0/"), entry("OFD.xml")].concat();
        assert_eq!(sniff(&ofd), Some(OFD));
        let docx = [entry("[Content_Types].xml"), entry("word/document.xml")].concat();
        assert_eq!(sniff(&docx), Some(DOCX));
        let xlsx = [entry("[Content_Types].xml"), entry("xl/workbook.xml")].concat();
        assert_eq!(sniff(&xlsx), Some(XLSX));
    }

    #[test]
    fn everything_else_is_refused() {
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(&entry("notes.txt")), None);
        assert_eq!(sniff(b"PK\x03\x04"), None);
        assert_eq!(sniff(b""), None);
    }
}
