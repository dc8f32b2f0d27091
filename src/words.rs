//! Words for counts and lists, so that a page says "1 session" and "Bow and Poplar", never
//! "1 sessions".

/// "1 session", "3 sessions": the count with its noun agreeing.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "Bow", "Bow and Poplar", "Bow, Mile End and Poplar".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(count(1u64, "session", "sessions"), "1 session");
        assert_eq!(count(0u64, "session", "sessions"), "0 sessions");
        assert_eq!(count(2u64, "letter", "letters"), "2 letters");
    }

    #[test]
    fn lists_read_as_prose() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(and_list(&names(&["Bow"])), "Bow");
        assert_eq!(and_list(&names(&["Bow", "Poplar"])), "Bow and Poplar");
        assert_eq!(
            and_list(&names(&["Bow", "Mile End", "Poplar"])),
            "Bow, Mile End and Poplar"
        );
    }
}
