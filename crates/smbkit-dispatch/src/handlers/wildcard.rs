//! Search-pattern matching for QUERY_DIRECTORY (MS-FSA 2.1.4.4): `*`, `?`
//! and the DOS wildcards `<` (DOS_STAR), `>` (DOS_QM) and `"` (DOS_DOT),
//! ignoring case.

fn fold(c: char) -> char {
    // Single-character case folding; good for every name a client sends
    // (Windows upcases by a table, which agrees on these).
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Whether `name` matches `pattern`, case-insensitively.
///
/// * `*` — any run of characters, also empty;
/// * `?` — exactly one character;
/// * `>` — one character, or nothing at a `.` or at the end of the name;
/// * `<` — any run of characters that does not take the name's last `.`;
/// * `"` — a `.`, or nothing at the end of the name;
/// * anything else matches itself ignoring case.
///
/// An empty pattern matches everything (as `*`).
#[must_use]
pub fn matches(pattern: &str, name: &str) -> bool {
    if pattern.is_empty() || pattern == "*" {
        return true;
    }
    let pat: Vec<char> = pattern.chars().map(fold).collect();
    let name: Vec<char> = name.chars().map(fold).collect();
    let last_dot = name.iter().rposition(|&c| c == '.');
    let width = name.len().saturating_add(1);
    // next[j]: does pat[i+1..] match name[j..]; cur[j]: pat[i..] vs name[j..].
    let mut next = vec![false; width];
    if let Some(end) = next.last_mut() {
        *end = true;
    }
    for &p in pat.iter().rev() {
        let mut cur = vec![false; width];
        for j in (0..width).rev() {
            let ch = name.get(j).copied();
            let after = |row: &Vec<bool>| j.checked_add(1).and_then(|k| row.get(k)).copied();
            let skip = next.get(j).copied().unwrap_or(false);
            let value = match p {
                '*' => skip || (ch.is_some() && after(&cur).unwrap_or(false)),
                '?' => ch.is_some() && after(&next).unwrap_or(false),
                '>' => match ch {
                    None | Some('.') => skip,
                    Some(_) => after(&next).unwrap_or(false),
                },
                '<' => {
                    let may_take = ch.is_some() && last_dot != Some(j);
                    skip || (may_take && after(&cur).unwrap_or(false))
                }
                '"' => match ch {
                    None => skip,
                    Some('.') => after(&next).unwrap_or(false),
                    Some(_) => false,
                },
                literal => ch == Some(literal) && after(&next).unwrap_or(false),
            };
            if let Some(slot) = cur.get_mut(j) {
                *slot = value;
            }
        }
        next = cur;
    }
    next.first().copied().unwrap_or(false)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::matches;

    #[test]
    fn star_and_question_mark() {
        assert!(matches("*", "anything.txt"));
        assert!(matches("", "x"));
        assert!(matches("*.txt", "Report.TXT"));
        assert!(!matches("*.txt", "report.txt.bak"));
        assert!(matches("r?port*", "REPORT.txt"));
        assert!(!matches("r?port", "rport"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("exact.name", "EXACT.Name"));
        assert!(!matches("exact.name", "exact.names"));
        assert!(matches("*.*", "a.b"));
        assert!(!matches("*.*", "ab"));
    }

    #[test]
    fn dos_wildcards() {
        // DOS_STAR: up to the last dot.
        assert!(matches("<.txt", "a.b.txt"));
        assert!(matches("<", "noext"));
        assert!(!matches("<", "a.b"));
        assert!(matches("<.<", "a.b"));
        // DOS_QM: one char, or nothing before a dot / at the end.
        assert!(matches("ab>>", "ab"));
        assert!(matches("ab>>", "abcd"));
        assert!(!matches("ab>>", "abcde"));
        assert!(matches("a>.txt", "a.txt"));
        assert!(matches("a>.txt", "ab.txt"));
        // DOS_DOT: a dot, or nothing at the end.
        assert!(matches("name\"", "name"));
        assert!(matches("name\"", "name."));
        assert!(!matches("name\"", "namex"));
        // The classic "*.*" as a DOS pattern: <"*
        assert!(matches("<\"*", "noext"));
        assert!(matches("<\"*", "a.b.c"));
    }
}
