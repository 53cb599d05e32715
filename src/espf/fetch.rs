//! Fetching the entity an event is about, through the administrator API.
//!
//! ESPF only says *that* something changed; the application then reads the entity
//! (`Account/get_account_info`, `Customer/get_customer_info`, `DID/get_number_list` or
//! `DID/get_number_info`, `Invoice/get_invoice_info`). Requests are built as JSON and sent
//! through the [registry](crate::registry) and [`Client::call_dyn`] (or [`Client::call`] when
//! the operation is not compiled in), so this works over SOAP and REST and with a build from
//! other WSDLs; only the entity types (`account::AccountInfo`, …) are named.

use std::fmt;

use serde_json::{json, Map, Value};

use super::event::{EntityKind, Event};
use crate::{Client, Error};

/// What to ask for when fetching an entity. Flags become the API's `1` options.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FetchOptions {
    /// Accounts: `get_included_services`.
    pub get_included_services: bool,
    /// Accounts: `with_customer_info` (the account's customer comes along).
    pub with_customer_info: bool,
    /// Accounts and customers: `detailed_info`.
    pub detailed_info: bool,
    /// Accounts: `get_service_features`.
    pub get_service_features: bool,
    /// DID numbers: `extended_info`.
    pub extended_info: bool,
    /// Further parameters merged into every request (they win over the ones above).
    pub extra: Map<String, Value>,
}

/// The entity an event is about, as the API returned it. `Debug` redacts secrets
/// (passwords and the like).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Entity {
    /// An account, and its customer when [`FetchOptions::with_customer_info`] asked for it.
    Account {
        /// The account.
        account: Box<crate::account::AccountInfo>,
        /// Its customer.
        customer: Option<Box<crate::account::CustomerInfo>>,
    },
    /// A customer.
    Customer(Box<crate::customer::CustomerInfo>),
    /// A DID number.
    Did(Box<crate::did::DIDNumberInfo>),
    /// An invoice.
    Invoice(Box<crate::invoice::InvoiceInfo>),
}

impl Entity {
    /// The kind of entity.
    pub fn kind(&self) -> EntityKind {
        match self {
            Entity::Account { .. } => EntityKind::Account,
            Entity::Customer(_) => EntityKind::Customer,
            Entity::Did(_) => EntityKind::Did,
            Entity::Invoice(_) => EntityKind::Invoice,
        }
    }

    /// The entity in the API's JSON form, keyed as the API answers: `{"account_info": …,
    /// "customer_info": …}`, `{"customer_info": …}`, `{"number_info": …}` or
    /// `{"invoice_info": …}`.
    pub fn to_json(&self) -> Value {
        use crate::model::json::to_value;
        match self {
            Entity::Account { account, customer } => {
                let mut out = json!({ "account_info": to_value(&**account) });
                if let Some(c) = customer {
                    out["customer_info"] = to_value(&**c);
                }
                out
            }
            Entity::Customer(c) => json!({ "customer_info": to_value(&**c) }),
            Entity::Did(d) => json!({ "number_info": to_value(&**d) }),
            Entity::Invoice(i) => json!({ "invoice_info": to_value(&**i) }),
        }
    }
}

/// Why an entity could not be fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The API says the entity does not exist (a fault whose code contains `not_found`, or
    /// an empty answer). Re-sending the event will not help.
    #[error("{kind} {id} was not found: {message}")]
    NotFound {
        /// The kind of entity.
        kind: EntityKind,
        /// Its id or number.
        id: String,
        /// What the API said.
        message: String,
    },
    /// The event names no entity of its kind (no `i_account` in a `Subscriber/*` event, …).
    #[error("the {event_type} event carries no {wanted}")]
    MissingId {
        /// The event type.
        event_type: String,
        /// The variable that was expected.
        wanted: &'static str,
    },
    /// The event is not about an entity this crate can fetch.
    #[error("the {0} event is not about an account, customer, DID number or invoice")]
    UnknownKind(String),
    /// The call failed in a way that may pass later: the billing API is down, answered 5xx,
    /// refused the API credentials, or answered something unreadable.
    #[error(transparent)]
    Api(Error),
}

impl FetchError {
    /// Whether re-sending the event later may succeed (ESPF should retry).
    pub fn is_retryable(&self) -> bool {
        matches!(self, FetchError::Api(_))
    }

    /// Whether the entity does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, FetchError::NotFound { .. })
    }
}

fn flag(on: bool) -> Option<Value> {
    on.then(|| Value::from(1))
}

fn call(client: &Client, service: &str, method: &str, params: Value) -> Result<Value, Error> {
    match crate::registry::operation(service, method) {
        Some(op) => {
            let request = crate::registry::request_from_json(op, &params)?;
            Ok(client.call_dyn(op, request.as_ref())?.to_json())
        }
        None => client.call(service, method, params),
    }
}

fn typed<T: crate::model::StructType>(
    value: &Value,
    service: &str,
    method: &str,
) -> Result<Box<T>, FetchError> {
    crate::model::json::deserialize_structure::<T, _>(value)
        .map(Box::new)
        .map_err(|e| {
            FetchError::Api(Error::decode(
                service,
                method,
                format!("the answer does not fit the generated type: {e}"),
                None,
                b"",
            ))
        })
}

/// Fetches the entity `event` is about, with default options.
pub fn fetch_entity(client: &Client, event: &Event) -> Result<Entity, FetchError> {
    fetch_entity_with(client, event, &FetchOptions::default())
}

/// Fetches the entity `event` is about.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use portabilling::espf::{fetch_entity_with, Entity, Event, FetchOptions};
/// use portabilling::Client;
///
/// let client = Client::builder("https://billing.example.com").login("api", "secret").build()?;
/// let event = Event::parse(br#"{"event_type":"Subscriber/Updated","variables":{"i_event":5,"i_account":1000889}}"#)?;
/// let options = FetchOptions { with_customer_info: true, ..FetchOptions::default() };
/// match fetch_entity_with(&client, &event, &options) {
///     Ok(Entity::Account { account, customer }) => println!("{:?} of {:?}", account.id, customer.and_then(|c| c.name)),
///     Ok(other) => println!("{}", other.to_json()),
///     Err(e) if e.is_retryable() => eprintln!("try again later: {e}"),
///     Err(e) => eprintln!("give up: {e}"),
/// }
/// # Ok(())
/// # }
/// ```
pub fn fetch_entity_with(
    client: &Client,
    event: &Event,
    options: &FetchOptions,
) -> Result<Entity, FetchError> {
    let kind = event
        .entity_kind()
        .ok_or_else(|| FetchError::UnknownKind(event.event_type().to_string()))?;
    let missing = |wanted| FetchError::MissingId {
        event_type: event.event_type().to_string(),
        wanted,
    };
    let with_extra = |mut params: Map<String, Value>| {
        for (k, v) in &options.extra {
            params.insert(k.clone(), v.clone());
        }
        Value::Object(params)
    };
    let classify = |e: Error, id: &str| -> FetchError {
        match e.fault() {
            Some(f) if f.is_not_found() => FetchError::NotFound {
                kind,
                id: id.to_string(),
                message: f.message.clone(),
            },
            _ => FetchError::Api(e),
        }
    };
    let not_found = |id: &str, what: &str| FetchError::NotFound {
        kind,
        id: id.to_string(),
        message: format!("the answer holds no {what}"),
    };
    let mut params = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            params.insert(k.to_string(), v);
        }
    };
    match kind {
        EntityKind::Account => {
            let i = event.i_account().ok_or_else(|| missing("i_account"))?;
            put("i_account", Some(i.into()));
            put("get_included_services", flag(options.get_included_services));
            put("with_customer_info", flag(options.with_customer_info));
            put("detailed_info", flag(options.detailed_info));
            put("get_service_features", flag(options.get_service_features));
            let (s, m) = ("Account", "get_account_info");
            let answer =
                call(client, s, m, with_extra(params)).map_err(|e| classify(e, &i.to_string()))?;
            let account = answer
                .get("account_info")
                .filter(|v| v.is_object())
                .ok_or_else(|| not_found(&i.to_string(), "account_info"))?;
            let customer = match answer.get("customer_info").filter(|v| v.is_object()) {
                Some(c) => Some(typed(c, s, m)?),
                None => None,
            };
            Ok(Entity::Account {
                account: typed(account, s, m)?,
                customer,
            })
        }
        EntityKind::Customer => {
            let i = event.i_customer().ok_or_else(|| missing("i_customer"))?;
            put("i_customer", Some(i.into()));
            put("detailed_info", flag(options.detailed_info));
            let (s, m) = ("Customer", "get_customer_info");
            let answer =
                call(client, s, m, with_extra(params)).map_err(|e| classify(e, &i.to_string()))?;
            let customer = answer
                .get("customer_info")
                .filter(|v| v.is_object())
                .ok_or_else(|| not_found(&i.to_string(), "customer_info"))?;
            Ok(Entity::Customer(typed(customer, s, m)?))
        }
        EntityKind::Did => {
            let (info, id) = if let Some(number) = event.number() {
                put("number", Some(Value::String(number.to_string())));
                put("extended_info", flag(options.extended_info));
                let (s, m) = ("DID", "get_number_list");
                let answer =
                    call(client, s, m, with_extra(params)).map_err(|e| classify(e, &number))?;
                let found = answer
                    .get("number_list")
                    .and_then(Value::as_array)
                    .and_then(|list| {
                        list.iter()
                            .find(|n| {
                                n.get("number").and_then(Value::as_str) == Some(number.as_ref())
                            })
                            .or_else(|| (list.len() == 1).then(|| &list[0]))
                    })
                    .cloned();
                (found, number.to_string())
            } else {
                let i = event.i_did_number().ok_or_else(|| missing("number"))?;
                put("i_did_number", Some(i.into()));
                let (s, m) = ("DID", "get_number_info");
                let answer = call(client, s, m, with_extra(params))
                    .map_err(|e| classify(e, &i.to_string()))?;
                (
                    answer.get("number_info").filter(|v| v.is_object()).cloned(),
                    i.to_string(),
                )
            };
            let info = info.ok_or_else(|| not_found(&id, "matching number"))?;
            Ok(Entity::Did(typed(&info, "DID", "get_number_list")?))
        }
        EntityKind::Invoice => {
            let i = event.i_invoice().ok_or_else(|| missing("i_invoice"))?;
            put("i_invoice", Some(i.into()));
            let (s, m) = ("Invoice", "get_invoice_info");
            let answer =
                call(client, s, m, with_extra(params)).map_err(|e| classify(e, &i.to_string()))?;
            let invoice = answer
                .get("invoice_info")
                .filter(|v| v.is_object())
                .ok_or_else(|| not_found(&i.to_string(), "invoice_info"))?;
            Ok(Entity::Invoice(typed(invoice, s, m)?))
        }
    }
}

impl fmt::Debug for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entity::Account { account, customer } => f
                .debug_struct("Account")
                .field("account", account)
                .field("customer", customer)
                .finish(),
            Entity::Customer(c) => f.debug_tuple("Customer").field(c).finish(),
            Entity::Did(d) => f.debug_tuple("Did").field(d).finish(),
            Entity::Invoice(i) => f.debug_tuple("Invoice").field(i).finish(),
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} entity", self.kind())
    }
}
