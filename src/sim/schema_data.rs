//! What the simulator makes from the schemas alone, for the methods it keeps no state for:
//! lists of generated items (every `get_*_list`, the xDR methods) that honour the request's
//! filters, `limit`, `offset` and `get_total`; and the check a real server makes that a
//! request carries the fields its WSDL requires (`minOccurs="1"`).

use serde_json::{json, Map, Value};

use crate::model::{Date, DateTime, FieldKind, Occurs, OperationInfo, StructSchema, TypeInfo};

/// How many items a generated list holds.
pub(crate) const GENERATED_ITEMS: usize = 120;

/// Whether `schema`, or a structure it holds, requires a field: only then can a request lack
/// one, and only then is it worth reading the request a second time to find out.
pub(crate) fn requires_any(schema: &'static StructSchema) -> bool {
    fn walk(schema: &'static StructSchema, seen: &mut Vec<&'static StructSchema>) -> bool {
        if seen.iter().any(|s| std::ptr::eq(*s, schema)) {
            return false;
        }
        seen.push(schema);
        schema.fields.iter().any(|field| {
            (field.kind != FieldKind::Text && field.occurs == Occurs::Required)
                || matches!(field.ty.item(), TypeInfo::Struct(nested) if walk(nested(), seen))
        })
    }
    walk(schema, &mut Vec::new())
}

/// The path of the first field the WSDL requires that `params` lacks (`account_info`,
/// `account_info.i_customer`), looking into the structures and lists `params` holds.
pub(crate) fn missing_required(schema: &StructSchema, params: &Value) -> Option<String> {
    let map = params.as_object();
    for field in schema.fields {
        if field.kind == FieldKind::Text {
            continue;
        }
        let value = map.and_then(|m| m.get(field.name)).filter(|v| !v.is_null());
        match (value, field.occurs) {
            (None, Occurs::Required) => return Some(field.name.to_string()),
            (Some(v), _) => {
                if let TypeInfo::Struct(nested) = field.ty.item() {
                    let items: Vec<&Value> = match v {
                        Value::Array(items) => items.iter().collect(),
                        one => vec![one],
                    };
                    for (i, item) in items.into_iter().enumerate() {
                        if let Some(inner) = missing_required(nested(), item) {
                            let at = if v.is_array() {
                                format!("{}[{i}]", field.name)
                            } else {
                                field.name.to_string()
                            };
                            return Some(format!("{at}.{inner}"));
                        }
                    }
                }
            }
            (None, _) => {}
        }
    }
    None
}

/// The answer to a list method of `op` the simulator keeps no state for: generated items,
/// filtered and paged as the request asks. `None` when the response holds no list of
/// structures.
pub(crate) fn generated_list(
    op: &OperationInfo,
    params: &Map<String, Value>,
    max_page_size: Option<usize>,
) -> Option<Value> {
    let response = op.response;
    let list = op
        .list_field
        .and_then(|name| response.field(name))
        .or_else(|| {
            response.fields.iter().find(|f| {
                (f.occurs.is_repeated() || matches!(f.ty, TypeInfo::List(_)))
                    && matches!(f.ty.item(), TypeInfo::Struct(_))
            })
        })?;
    let TypeInfo::Struct(item_schema) = list.ty.item() else {
        return None;
    };
    let item_schema = item_schema();
    let window = DateWindow::from_params(params);
    let items: Vec<Map<String, Value>> = (1..=GENERATED_ITEMS)
        .map(|i| item(item_schema, i, params, &window))
        .filter(|item| selected(item, params))
        .collect();
    let total = items.len();
    let offset = int(params, "offset").unwrap_or(0).max(0) as usize;
    let limit = match int(params, "limit") {
        Some(l) if l > 0 => l as usize,
        _ => usize::MAX,
    }
    .min(max_page_size.unwrap_or(usize::MAX));
    let page: Vec<Value> = items
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(Value::Object)
        .collect();
    let mut out = json!({ list.name: page });
    if int(params, "get_total") == Some(1) && response.lookup("total").is_some() {
        out["total"] = total.into();
    }
    Some(out)
}

/// Item `i` of a generated list: every scalar field filled, a numeric field the request
/// filters on (a number parameter of the same name: the owner, `i_account`, `i_customer`)
/// holding the filter's value.
fn item(
    schema: &StructSchema,
    i: usize,
    params: &Map<String, Value>,
    window: &DateWindow,
) -> Map<String, Value> {
    let mut out = Map::new();
    for field in schema.fields {
        if field.kind == FieldKind::Text || field.name.is_empty() {
            continue;
        }
        if let Some(filter) = params.get(field.name).filter(|v| v.is_number()) {
            out.insert(field.name.to_string(), filter.clone());
            continue;
        }
        if let Some(value) = generated(field.name, &field.ty, i, window) {
            out.insert(field.name.to_string(), value);
        }
    }
    out
}

/// Whether an item matches the request's text and boolean filters (a `number`, a `name`):
/// they select among the items, as a search does, where a numeric owner id assigns.
fn selected(item: &Map<String, Value>, params: &Map<String, Value>) -> bool {
    params.iter().all(|(key, filter)| {
        !matches!(filter, Value::String(_) | Value::Bool(_))
            || item.get(key).is_none_or(|value| value == filter)
    })
}

/// A value of type `ty` for item `i`; nested structures and lists are left out.
fn generated(name: &str, ty: &TypeInfo, i: usize, window: &DateWindow) -> Option<Value> {
    let n = i as i64;
    Some(match ty {
        TypeInfo::String => json!(format!("{name}-{i}")),
        TypeInfo::Boolean => json!(i.is_multiple_of(2)),
        TypeInfo::Byte | TypeInfo::UnsignedByte => json!(i % 100),
        TypeInfo::Short
        | TypeInfo::Int
        | TypeInfo::UnsignedShort
        | TypeInfo::UnsignedInt
        | TypeInfo::Long
        | TypeInfo::Integer
        | TypeInfo::UnsignedLong
        | TypeInfo::NonNegativeInteger => {
            if name.starts_with("i_") {
                json!(1000 + n)
            } else {
                json!(n)
            }
        }
        TypeInfo::Float | TypeInfo::Double | TypeInfo::Decimal => json!(n as f64 * 0.25),
        TypeInfo::Date => json!(Date::from_days_since_epoch(20_454 + n)?.to_string()),
        TypeInfo::DateTime => json!(window.at(i)?.to_string()),
        TypeInfo::Time => json!(format!("{:02}:{:02}:00", i % 24, i % 60)),
        TypeInfo::Flag => json!(if i.is_multiple_of(2) { "Y" } else { "N" }),
        TypeInfo::Enum(schema) => json!(schema().values.first()?),
        TypeInfo::Base64Binary
        | TypeInfo::HexBinary
        | TypeInfo::Any
        | TypeInfo::Struct(_)
        | TypeInfo::List(_) => return None,
    })
}

/// The times generated items take: spread over the request's `from_date`..`to_date` when it
/// gives them (as the xDR methods do), else an hour apart from 2026-01-01.
struct DateWindow {
    start: i64,
    step: i64,
}

impl DateWindow {
    fn from_params(params: &Map<String, Value>) -> Self {
        let time = |key: &str| {
            params
                .get(key)
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<DateTime>().ok())
                .map(|d| d.unix_timestamp())
        };
        let start = time("from_date").unwrap_or(1_767_225_600);
        let step = match time("to_date") {
            Some(end) if end > start => ((end - start) / (GENERATED_ITEMS as i64 + 1)).max(0),
            _ => 3600,
        };
        DateWindow { start, step }
    }

    fn at(&self, i: usize) -> Option<DateTime> {
        DateTime::from_unix_timestamp(self.start + self.step * i as i64)
    }
}

fn int(p: &Map<String, Value>, key: &str) -> Option<i64> {
    match p.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Operation;

    #[test]
    fn only_requests_with_a_required_field_somewhere_are_read_twice() {
        // `add_account` requires `account_info`, whose `i_customer` is required in turn.
        assert!(requires_any(
            <crate::account::op::AddAccount as Operation>::INFO.request
        ));
        let info = <crate::account::op::GetAccountInfo as Operation>::INFO.request;
        assert!(!requires_any(info), "{:?}", info.fields);
    }
}
