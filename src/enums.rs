//! `string_enum!`: a closed set of values stored as text, sent as snake_case JSON, written for
//! people with a label, and parsed with an error that names the field and lists what it accepts.
//! The caller brings `EnumIter`, `DeriveActiveEnum`, `StringLen`, `Serialize`, `Deserialize` and
//! `FieldError` into scope, as sea-orm's derives expect.

/// Declares such an enum: `Name, "field" { Variant = "value" / "Label", ... }`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident = $value:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(#[sea_orm(string_value = $value)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $value,)+ }
            }

            /// How the value is written for people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// # Errors
            /// A `FieldError` listing the allowed values.
            pub fn parse(text: &str) -> Result<Self, FieldError> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text.trim()).ok_or_else(|| {
                    let allowed: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    FieldError::new($field, format!("{} must be one of {}", $field, allowed.join(", ")))
                })
            }
        }
    };
}
pub(crate) use string_enum;

/// The label `pairs` gives `value`, or `value` itself when it has none.
pub fn label_in<'a>(pairs: &[(&'a str, &'a str)], value: &'a str) -> &'a str {
    pairs
        .iter()
        .find(|(v, _)| *v == value)
        .map_or(value, |(_, label)| label)
}
