//! os-release (`/etc/os-release`, `/usr/lib/os-release`): the operating system's identity.
//!
//! The file is a list of `KEY=value` assignments in a subset of shell syntax: values may be
//! bare, double-quoted (where `\"`, `\\`, `` \` `` and `\$` are escapes) or single-quoted
//! (taken literally); `#` starts a comment line. Unknown keys are kept by [`parse_pairs`] and
//! ignored by [`parse`].

use steward_core::inventory::OsRelease;

use crate::ParseError;

/// The most bytes an os-release file may hold; real ones are under a kilobyte.
pub const MAX_LEN: usize = 64 * 1024;

/// Every assignment of the file, in order, with quoting and escapes removed.
pub fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, ParseError> {
    if text.len() > MAX_LEN {
        return Err(ParseError::TooLarge {
            line: 1,
            what: "os-release file",
            limit: MAX_LEN,
        });
    }
    let mut pairs = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            return Err(ParseError::line(line, "expected KEY=value"));
        };
        let valid_key = !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !key.starts_with(|c: char| c.is_ascii_digit());
        if !valid_key {
            return Err(ParseError::line(
                line,
                format!("invalid variable name `{key}`"),
            ));
        }
        let value = unquote(value).map_err(|message| ParseError::field(line, key, message))?;
        pairs.push((key.to_owned(), value));
    }
    Ok(pairs)
}

/// The fields Steward uses; the last assignment of a key wins, as in a shell.
pub fn parse(text: &str) -> Result<OsRelease, ParseError> {
    let mut os = OsRelease::default();
    for (key, value) in parse_pairs(text)? {
        let slot = match key.as_str() {
            "ID" => &mut os.id,
            "ID_LIKE" => &mut os.id_like,
            "NAME" => &mut os.name,
            "VERSION_ID" => &mut os.version_id,
            "VERSION_CODENAME" => &mut os.version_codename,
            "PRETTY_NAME" => &mut os.pretty_name,
            _ => continue,
        };
        *slot = Some(value);
    }
    Ok(os)
}

/// Removes the shell quoting of one value.
fn unquote(value: &str) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => out.push(c),
                    None => return Err("unterminated single quote".to_owned()),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c @ ('"' | '\\' | '`' | '$')) => out.push(c),
                        Some(c) => {
                            // Inside double quotes a backslash before anything else is literal.
                            out.push('\\');
                            out.push(c);
                        }
                        None => return Err("unterminated double quote".to_owned()),
                    },
                    Some(c) => out.push(c),
                    None => return Err("unterminated double quote".to_owned()),
                }
            },
            '\\' => match chars.next() {
                Some(c) => out.push(c),
                None => return Err("trailing backslash".to_owned()),
            },
            c if c.is_whitespace() => return Err("unquoted whitespace in value".to_owned()),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_debian_os_release() {
        let text = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
                    VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\n\
                    ID=debian\nHOME_URL=\"https://www.debian.org/\"\n";
        let os = parse(text).unwrap();
        assert_eq!(os.id.as_deref(), Some("debian"));
        assert_eq!(os.name.as_deref(), Some("Debian GNU/Linux"));
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(
            os.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(os.id_like, None);
    }

    #[test]
    fn handles_single_quotes_escapes_and_comments() {
        let text = "# comment\n\nID_LIKE='rhel centos'\nNAME=\"A \\\"quoted\\\" \\$name\\\\\"\n\
                    VERSION_ID=9\\ 1\nPRETTY_NAME=\"keep \\n literal\"\n";
        let os = parse(text).unwrap();
        assert_eq!(os.id_like.as_deref(), Some("rhel centos"));
        assert_eq!(os.name.as_deref(), Some("A \"quoted\" $name\\"));
        assert_eq!(os.version_id.as_deref(), Some("9 1"));
        assert_eq!(os.pretty_name.as_deref(), Some("keep \\n literal"));
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let err = parse("ID=debian\nNAME=\"Debian\n").unwrap_err().to_string();
        assert_eq!(err, "line 2: field NAME: unterminated double quote");
        let err = parse("ID=debian\njust words\n").unwrap_err().to_string();
        assert_eq!(err, "line 2: expected KEY=value");
    }

    #[test]
    fn reads_the_shared_fixture() {
        let path = crate::test_data::path("inventory/dpkg/os-release");
        let os = parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(os.id.as_deref(), Some("debian"));
        assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
    }
}
