//! Demo people: distinct names (with the accents real names carry), phone numbers from Ofcom's
//! range kept for drama, and East London postcodes.

const FIRST_NAMES: [&str; 24] = [
    "Siân",
    "Ada",
    "Łukasz",
    "Zoë",
    "Amira",
    "Kwame",
    "Mary",
    "Tomasz",
    "Fatima",
    "John",
    "Priya",
    "Olu",
    "Margaret",
    "Abdul",
    "Irena",
    "Desmond",
    "Nasreen",
    "Patrick",
    "Chloé",
    "Yusuf",
    "Agnieszka",
    "Winston",
    "Shirin",
    "Gwen",
];
const LAST_NAMES: [&str; 25] = [
    "Evans",
    "Lovelace",
    "Kowalski",
    "Ångström",
    "Hassan",
    "Mensah",
    "O'Brien",
    "Nowak",
    "Begum",
    "Smith",
    "Ellis",
    "Rahman",
    "Okafor",
    "Murphy",
    "Ahmed",
    "Lewandowska",
    "Clarke",
    "Uddin",
    "Campbell",
    "Patel",
    "Doyle",
    "Chowdhury",
    "Jones",
    "Adeyemi",
    "Khan",
];

/// The `n`th demo name: the first 600 are all different; after that a middle initial keeps them
/// apart.
pub fn demo_name(n: usize) -> String {
    let first = FIRST_NAMES[n % FIRST_NAMES.len()];
    let last = LAST_NAMES[(n / FIRST_NAMES.len()) % LAST_NAMES.len()];
    let round = n / (FIRST_NAMES.len() * LAST_NAMES.len());
    if round == 0 {
        format!("{first} {last}")
    } else {
        let initial = char::from(b'A' + u8::try_from(round % 26).unwrap_or_default());
        format!("{first} {initial}. {last}")
    }
}

/// A mobile number from 07700 900000-900999, the range Ofcom keeps for drama.
pub fn demo_phone(n: usize) -> String {
    format!("07700 900{:03}", n % 1000)
}

/// An East London postcode, different for neighbours.
pub fn demo_postcode(n: usize) -> String {
    const OUTWARD: [&str; 6] = ["E1", "E2", "E3", "E14", "E1W", "E15"];
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let letter = |i: usize| char::from(LETTERS[i % LETTERS.len()]);
    format!(
        "{} {}{}{}",
        OUTWARD[n % OUTWARD.len()],
        n / 7 % 9 + 1,
        letter(n / 3),
        letter(n / 11)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_people_are_told_apart() {
        let names: std::collections::HashSet<_> = (0..2000).map(demo_name).collect();
        assert_eq!(names.len(), 2000);
        let postcodes: std::collections::HashSet<_> = (0..200).map(demo_postcode).collect();
        assert!(postcodes.len() > 150, "{}", postcodes.len());
        for n in [0, 17, 599] {
            assert!(crate::people::model::parse_postcode(&demo_postcode(n)).is_ok());
        }
    }
}
