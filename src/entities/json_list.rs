//! `JsonList<T>`: a short list (accessories, barriers, skills areas) kept in a TEXT column as a JSON
//! array. It decodes in this one place, when the row is read: a value that is not such an array of
//! `T` is a database error then, never an empty list shown as if it were the truth.

use std::sync::Arc;

use sea_orm::{
    ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value,
    sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr, postgres_array::NotU8},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// A list stored as `["charger","case"]`; `T` is each item's JSON form (a string or a string enum).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JsonList<T = String>(Vec<T>);

impl<T> JsonList<T> {
    pub fn into_inner(self) -> Vec<T> {
        self.0
    }
}

impl<T> Default for JsonList<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> From<Vec<T>> for JsonList<T> {
    fn from(items: Vec<T>) -> Self {
        Self(items)
    }
}

impl<T> std::ops::Deref for JsonList<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: DeserializeOwned> JsonList<T> {
    fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text).map(Self)
    }
}

impl<T: Serialize> JsonList<T> {
    fn text(&self) -> String {
        // Strings and string enums always serialise; a failure here would be a bug in `T`.
        serde_json::to_string(&self.0).expect("a list of strings serialises")
    }
}

impl<T: Serialize> From<JsonList<T>> for Value {
    fn from(list: JsonList<T>) -> Self {
        Value::String(Some(list.text()))
    }
}

impl<T: DeserializeOwned> TryGetable for JsonList<T> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, index)?;
        Self::parse(&text).map_err(|error| {
            TryGetError::DbErr(DbErr::TryIntoErr {
                from: "String",
                into: "JsonList",
                source: Arc::new(error),
            })
        })
    }
}

impl<T: DeserializeOwned> ValueType for JsonList<T> {
    fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
        let text = <String as ValueType>::try_from(value)?;
        Self::parse(&text).map_err(|_| ValueTypeErr)
    }

    fn type_name() -> String {
        "JsonList".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::Text
    }
}

impl<T> Nullable for JsonList<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T> NotU8 for JsonList<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_as_a_json_array() {
        let list = JsonList::from(vec!["charger".to_owned(), "Siân's \"case\"".to_owned()]);
        assert_eq!(list.text(), r#"["charger","Siân's \"case\""]"#);
        assert_eq!(JsonList::<String>::parse(&list.text()).unwrap(), list);
    }

    #[test]
    fn text_that_is_not_such_a_list_is_refused() {
        for text in ["", "{}", "[1]", "null"] {
            assert!(JsonList::<String>::parse(text).is_err(), "{text}");
        }
    }
}
