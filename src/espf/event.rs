//! Provisioning events as ESPF posts them: `{"event_type": "…", "variables": {…}}`.

use std::borrow::Cow;
use std::fmt;

use serde_json::{Map, Value};

/// The identifier of an event (`i_event`), used to recognise a re-sent event.
///
/// ESPF sends it as a number (`7615`) or a string (`"5"`); both become the same id, so `5`
/// and `"5"` are one event. It is kept as text: digits, letters and `-_.:` only, at most
/// 128 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(String);

impl EventId {
    /// The id from a JSON value (number or string); `None` if it is neither, empty, or holds
    /// other characters.
    pub fn from_json(value: &Value) -> Option<EventId> {
        let text = match value {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().to_string(),
            _ => return None,
        };
        EventId::new(text)
    }

    /// The id from text; `None` if it is empty, longer than 128 characters, or holds
    /// characters other than ASCII letters, digits and `-_.:`.
    pub fn new(text: impl Into<String>) -> Option<EventId> {
        let text = text.into();
        let valid = !text.is_empty()
            && text.len() <= 128
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        valid.then_some(EventId(text))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a number, when it is one.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which kind of PortaBilling entity an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// An account (`Subscriber/*`, `Account/*`), named by `i_account`.
    Account,
    /// A customer (`Customer/*`), named by `i_customer`.
    Customer,
    /// A DID number (`DID/*`), named by `number` (or `i_did_number`).
    Did,
    /// An invoice (`Invoice/*`), named by `i_invoice`.
    Invoice,
}

impl EntityKind {
    /// The lower-case name (`account`, `customer`, `did`, `invoice`).
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Account => "account",
            EntityKind::Customer => "customer",
            EntityKind::Did => "did",
            EntityKind::Invoice => "invoice",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! event_types {
    ($( $(#[$doc:meta])* $variant:ident => $text:literal, )*) => {
        /// The type of an event (`event_type`).
        ///
        /// The known types of both generations are variants: the current ones
        /// (`Customer/Created`, `Subscriber/Updated`, …) and the older detailed ones
        /// (`Account/BalanceChanged`, `Customer/New`, `DID/Status/Assigned`, …). Any other type
        /// is kept as [`EventType::Other`], never rejected: PortaBilling adds types over
        /// releases, and the entity is found from the type's category and the variables.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EventType {
            $( $(#[$doc])* $variant, )*
            /// A type this crate does not list, as sent.
            Other(String),
        }

        impl EventType {
            /// The type as ESPF writes it (`Subscriber/Updated`).
            pub fn as_str(&self) -> &str {
                match self {
                    $( EventType::$variant => $text, )*
                    EventType::Other(s) => s,
                }
            }

            /// The type for `text`: a known variant, or [`EventType::Other`].
            pub fn parse(text: &str) -> EventType {
                match text {
                    $( $text => EventType::$variant, )*
                    other => EventType::Other(other.to_string()),
                }
            }

            /// Every known type, as text.
            pub fn known() -> &'static [&'static str] {
                &[$( $text, )*]
            }
        }
    };
}

event_types! {
    /// A customer was created.
    CustomerCreated => "Customer/Created",
    /// A customer was changed.
    CustomerUpdated => "Customer/Updated",
    /// A customer was deleted.
    CustomerDeleted => "Customer/Deleted",
    /// An account was created.
    SubscriberCreated => "Subscriber/Created",
    /// An account was changed.
    SubscriberUpdated => "Subscriber/Updated",
    /// An account was deleted.
    SubscriberDeleted => "Subscriber/Deleted",
    /// A DID number was added to the inventory.
    DidCreated => "DID/Created",
    /// A DID number was changed.
    DidUpdated => "DID/Updated",
    /// A DID number was assigned.
    DidAssigned => "DID/Assigned",
    /// A DID number was deleted.
    DidDeleted => "DID/Deleted",
    /// An invoice was created.
    InvoiceCreated => "Invoice/Created",
    /// An invoice was changed.
    InvoiceUpdated => "Invoice/Updated",
    /// An invoice was paid.
    InvoicePaid => "Invoice/Paid",
    /// Older generation: an account was created.
    AccountNew => "Account/New",
    /// Older generation: an account's balance changed.
    AccountBalanceChanged => "Account/BalanceChanged",
    /// Older generation: an account was blocked.
    AccountBlocked => "Account/Blocked",
    /// Older generation: an account was unblocked.
    AccountUnblocked => "Account/Unblocked",
    /// Older generation: an account's status changed.
    AccountStatusChanged => "Account/Status/Changed",
    /// Older generation: an account was closed.
    AccountStatusClosed => "Account/Status/Closed",
    /// Older generation: an account's product changed.
    AccountProductChanged => "Account/Product/Changed",
    /// Older generation: an account's service password changed.
    AccountServicePasswordChanged => "Account/ServicePassword/Changed",
    /// Older generation: an account's expiration date changed.
    AccountExpirationDateChanged => "Account/ExpirationDate/Changed",
    /// Older generation: a customer was created.
    CustomerNew => "Customer/New",
    /// Older generation: a customer's balance changed.
    CustomerBalanceChanged => "Customer/BalanceChanged",
    /// Older generation: a customer was blocked.
    CustomerBlocked => "Customer/Blocked",
    /// Older generation: a customer was unblocked.
    CustomerUnblocked => "Customer/Unblocked",
    /// Older generation: a customer's status changed.
    CustomerStatusChanged => "Customer/Status/Changed",
    /// Older generation: a customer was closed.
    CustomerStatusClosed => "Customer/Status/Closed",
    /// Older generation: a DID number was added.
    DidNew => "DID/New",
    /// Older generation: a DID number was assigned.
    DidStatusAssigned => "DID/Status/Assigned",
    /// Older generation: a DID number was unassigned.
    DidStatusUnassigned => "DID/Status/Unassigned",
    /// Older generation: an invoice was created.
    InvoiceNew => "Invoice/New",
    /// Older generation: an invoice's status changed.
    InvoiceStatusChanged => "Invoice/Status/Changed",
    /// Older generation: the amount paid on an invoice changed.
    InvoiceAmountPaidChanged => "Invoice/AmountPaid/Changed",
    /// Older generation: a payment was made.
    PaymentTransactionNew => "PaymentTransaction/New",
}

impl EventType {
    /// The part before the first `/` (`Subscriber`).
    pub fn category(&self) -> &str {
        let s = self.as_str();
        s.split('/').next().unwrap_or(s)
    }

    /// The part after the first `/` (`Updated`, `Status/Changed`).
    pub fn action(&self) -> &str {
        self.as_str().split_once('/').map(|(_, a)| a).unwrap_or("")
    }

    /// Whether the event says the entity itself was deleted (`Subscriber/Deleted`,
    /// `DID/Deleted`, …), so that there is nothing to fetch.
    pub fn is_deletion(&self) -> bool {
        self.action() == "Deleted"
    }

    /// The kind of entity the type's category names: `Subscriber` and `Account` are
    /// accounts, `Customer` customers, `DID` numbers and `Invoice` invoices.
    pub fn entity_kind(&self) -> Option<EntityKind> {
        match self.category() {
            "Subscriber" | "Account" => Some(EntityKind::Account),
            "Customer" => Some(EntityKind::Customer),
            "DID" => Some(EntityKind::Did),
            "Invoice" => Some(EntityKind::Invoice),
            _ => None,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for EventType {
    fn from(text: &str) -> Self {
        EventType::parse(text)
    }
}

/// Why a request body is not an event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// The body is not JSON (the message says where).
    #[error("the body is not valid JSON: {0}")]
    Json(String),
    /// The body is JSON but not an object.
    #[error("the body is not a JSON object")]
    NotAnObject,
    /// `event_type` is missing or not a non-empty string.
    #[error("`event_type` is missing or not a non-empty string")]
    EventType,
    /// `variables` is missing or not an object.
    #[error("`variables` is missing or not an object")]
    Variables,
    /// `i_event` is present but not a usable id.
    #[error("`i_event` is not a number or a string of letters, digits and -_.:")]
    EventId,
}

/// A provisioning event.
///
/// ```
/// use portabilling::espf::{EntityKind, Event, EventType};
///
/// let event = Event::parse(br#"{"event_type": "Subscriber/Updated",
///                              "variables": {"i_event": "5", "i_account": "1000889"}}"#)?;
/// assert_eq!(event.event_type(), &EventType::SubscriberUpdated);
/// assert_eq!(event.id().map(|id| id.as_str()), Some("5"));
/// assert_eq!(event.i_account(), Some(1000889));
/// assert_eq!(event.entity_kind(), Some(EntityKind::Account));
/// # Ok::<(), portabilling::espf::EventError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    event_type: EventType,
    variables: Map<String, Value>,
    id: Option<EventId>,
}

impl Event {
    /// Builds an event (for tests and emitters).
    pub fn new(event_type: impl Into<EventType>, variables: Map<String, Value>) -> Event {
        let id = variables.get("i_event").and_then(EventId::from_json);
        Event {
            event_type: event_type.into(),
            variables,
            id,
        }
    }

    /// Parses a request body.
    ///
    /// The body must be valid JSON: the sample in PortaOne's documentation that lacks a comma
    /// between two variables is rejected, because ESPF's real bodies are well-formed and
    /// guessing at broken JSON could misread an event. `i_event` is read from `variables`
    /// (where both published samples put it) or, failing that, from the top level (where the
    /// documentation's prose lists it). An event without `i_event` parses; whether it is
    /// accepted is the [pipeline's](crate::espf::Pipeline) choice.
    pub fn parse(body: &[u8]) -> Result<Event, EventError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| EventError::Json(e.to_string()))?;
        Event::from_json(value)
    }

    /// Reads an event from a parsed JSON value (see [`parse`](Event::parse)).
    pub fn from_json(value: Value) -> Result<Event, EventError> {
        let Value::Object(mut top) = value else {
            return Err(EventError::NotAnObject);
        };
        let event_type = match top.get("event_type") {
            Some(Value::String(s)) if !s.trim().is_empty() => EventType::parse(s.trim()),
            _ => return Err(EventError::EventType),
        };
        let variables = match top.remove("variables") {
            Some(Value::Object(v)) => v,
            _ => return Err(EventError::Variables),
        };
        let raw_id = variables.get("i_event").or_else(|| top.get("i_event"));
        let id = match raw_id {
            None | Some(Value::Null) => None,
            Some(v) => Some(EventId::from_json(v).ok_or(EventError::EventId)?),
        };
        Ok(Event {
            event_type,
            variables,
            id,
        })
    }

    /// The event type.
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// The variables, as sent.
    pub fn variables(&self) -> &Map<String, Value> {
        &self.variables
    }

    /// The event id (`i_event`), which identifies a re-sent event.
    pub fn id(&self) -> Option<&EventId> {
        self.id.as_ref()
    }

    /// A variable as a number (sent as a number or a string of digits).
    pub fn variable_i64(&self, name: &str) -> Option<i64> {
        match self.variables.get(name)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A variable as text (a string, or a number written out).
    pub fn variable_str(&self, name: &str) -> Option<Cow<'_, str>> {
        match self.variables.get(name)? {
            Value::String(s) if !s.trim().is_empty() => Some(Cow::Borrowed(s.trim())),
            Value::Number(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }

    /// The account (`i_account`).
    pub fn i_account(&self) -> Option<i64> {
        self.variable_i64("i_account")
    }

    /// The customer (`i_customer`).
    pub fn i_customer(&self) -> Option<i64> {
        self.variable_i64("i_customer")
    }

    /// The invoice (`i_invoice`).
    pub fn i_invoice(&self) -> Option<i64> {
        self.variable_i64("i_invoice")
    }

    /// The DID number (`number`), as text.
    pub fn number(&self) -> Option<Cow<'_, str>> {
        self.variable_str("number")
    }

    /// The DID number's id (`i_did_number`), when sent.
    pub fn i_did_number(&self) -> Option<i64> {
        self.variable_i64("i_did_number")
    }

    /// The environment (`i_env`), when sent.
    pub fn i_env(&self) -> Option<i64> {
        self.variable_i64("i_env")
    }

    /// The kind of entity the event is about: from the type's category when it names one,
    /// otherwise from the variables (`i_account`, then `i_customer`, `i_invoice`, `number`).
    pub fn entity_kind(&self) -> Option<EntityKind> {
        if let Some(kind) = self.event_type.entity_kind() {
            return Some(kind);
        }
        if self.i_account().is_some() {
            Some(EntityKind::Account)
        } else if self.i_customer().is_some() {
            Some(EntityKind::Customer)
        } else if self.i_invoice().is_some() {
            Some(EntityKind::Invoice)
        } else if self.number().is_some() || self.i_did_number().is_some() {
            Some(EntityKind::Did)
        } else {
            None
        }
    }

    /// The event as ESPF sends it: `{"event_type": …, "variables": {…}}`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert(
            "event_type".into(),
            Value::String(self.event_type.as_str().to_string()),
        );
        out.insert("variables".into(), Value::Object(self.variables.clone()));
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_numbers_and_strings() {
        let a = Event::parse(br#"{"event_type":"Subscriber/Created","variables":{"i_account":1000889,"i_event":7615}}"#).unwrap();
        assert_eq!(a.event_type(), &EventType::SubscriberCreated);
        assert_eq!(a.id().unwrap().as_str(), "7615");
        assert_eq!(a.id().unwrap().as_i64(), Some(7615));
        assert_eq!(a.i_account(), Some(1000889));
        let b = Event::parse(br#"{"event_type":"Subscriber/Updated","variables":{"i_event":"5","i_account":" 1000889 ","i_env":"3"}}"#).unwrap();
        assert_eq!(b.id().unwrap().as_str(), "5");
        assert_eq!(b.i_account(), Some(1000889));
        assert_eq!(b.i_env(), Some(3));
        assert_eq!(b.i_customer(), None);
    }

    #[test]
    fn docs_sample_without_its_comma_is_rejected_and_with_it_parses() {
        let verbatim = br#"{ "event_type": "Subscriber/Updated", "variables": { "i_event": "5" "i_account": "1000889" } }"#;
        assert!(matches!(Event::parse(verbatim), Err(EventError::Json(_))));
        let fixed = br#"{ "event_type": "Subscriber/Updated", "variables": { "i_event": "5", "i_account": "1000889" } }"#;
        assert_eq!(Event::parse(fixed).unwrap().i_account(), Some(1000889));
    }

    #[test]
    fn rejects_malformed_shapes() {
        assert_eq!(Event::parse(b"[1]"), Err(EventError::NotAnObject));
        assert_eq!(
            Event::parse(br#"{"variables":{}}"#),
            Err(EventError::EventType)
        );
        assert_eq!(
            Event::parse(br#"{"event_type":"","variables":{}}"#),
            Err(EventError::EventType)
        );
        assert_eq!(
            Event::parse(br#"{"event_type":"X/Y","variables":[]}"#),
            Err(EventError::Variables)
        );
        assert_eq!(
            Event::parse(br#"{"event_type":"X/Y","variables":{"i_event":"a b"}}"#),
            Err(EventError::EventId)
        );
        assert_eq!(
            Event::parse(br#"{"event_type":"X/Y","variables":{"i_event":{}}}"#),
            Err(EventError::EventId)
        );
        assert!(matches!(Event::parse(b"{"), Err(EventError::Json(_))));
    }

    #[test]
    fn i_event_at_the_top_level_is_read_too() {
        let e = Event::parse(
            br#"{"event_type":"Customer/Updated","i_event":42,"variables":{"i_customer":"7"}}"#,
        )
        .unwrap();
        assert_eq!(e.id().unwrap().as_str(), "42");
        assert_eq!(e.entity_kind(), Some(EntityKind::Customer));
    }

    #[test]
    fn types_of_both_generations_and_unknown_ones() {
        for text in EventType::known() {
            let t = EventType::parse(text);
            assert!(!matches!(t, EventType::Other(_)), "{text}");
            assert_eq!(t.as_str(), *text);
        }
        assert_eq!(
            EventType::parse("Account/Status/Changed"),
            EventType::AccountStatusChanged
        );
        assert_eq!(
            EventType::parse("DID/Status/Assigned").entity_kind(),
            Some(EntityKind::Did)
        );
        let other = EventType::parse("SIM/Updated");
        assert_eq!(other, EventType::Other("SIM/Updated".into()));
        assert_eq!(other.category(), "SIM");
        assert_eq!(other.entity_kind(), None);
        assert!(EventType::SubscriberDeleted.is_deletion());
        assert!(!EventType::parse("Account/Alias/Delete").is_deletion());
        assert_eq!(EventType::AccountStatusChanged.action(), "Status/Changed");
    }

    #[test]
    fn entity_kind_falls_back_to_the_variables() {
        let e = Event::new(
            "SIM/Updated",
            json!({"i_account": 3, "i_event": 1})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        assert_eq!(e.entity_kind(), Some(EntityKind::Account));
        let e = Event::new("Something/Else", Map::new());
        assert_eq!(e.entity_kind(), None);
        let e = Event::new(
            "X/Y",
            json!({"number": 380441234567_i64})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        assert_eq!(e.number().as_deref(), Some("380441234567"));
        assert_eq!(e.entity_kind(), Some(EntityKind::Did));
    }
}
