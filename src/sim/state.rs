//! The simulator's PortaBilling: sessions and tokens, accounts and customers in memory, and
//! the methods that act on them. It sees calls as JSON parameters and answers with JSON, so
//! the SOAP and REST fronts share it (and its faults) exactly.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use super::accounts::{seed_account, Accounts};
use crate::model::{base64, DateTime};

/// A fault the simulator answers with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimFault {
    /// The fault code.
    pub code: String,
    /// The fault string.
    pub message: String,
}

impl SimFault {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        SimFault {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// How a call authenticated.
#[derive(Clone, Debug, Default)]
pub(crate) struct Credentials {
    pub session_id: Option<String>,
    pub access_token: Option<String>,
    pub login: Option<String>,
    pub password: Option<String>,
}

/// An answer: a JSON value, or a file.
pub(crate) enum Answer {
    Json(Value),
    File {
        name: String,
        content_type: String,
        bytes: Vec<u8>,
    },
}

#[derive(Debug)]
struct SessionRecord {
    calls: u64,
    access_token: String,
    refresh_token: String,
    expires_at: i64,
}

/// The simulator's mutable state.
#[derive(Debug)]
pub(crate) struct State {
    pub login: String,
    pub password: String,
    pub token: String,
    pub token_lifetime: i64,
    /// Sessions expire after this many calls (the fault-injection knob).
    pub expire_after_calls: Option<u64>,
    /// The most items a list answers with, whatever `limit` asks.
    pub max_page_size: Option<usize>,
    sessions: HashMap<String, SessionRecord>,
    by_access_token: HashMap<String, String>,
    by_refresh_token: HashMap<String, String>,
    failed_logins: u32,
    pub accounts: Accounts,
    pub customers: BTreeMap<i64, Map<String, Value>>,
    next_account: i64,
    next_customer: i64,
    counter: u64,
    /// Calls by `Service/method`.
    pub calls: BTreeMap<String, u64>,
    /// Writes applied, by method and parameters: a write applied twice shows as a count of 2.
    pub writes: HashMap<String, u64>,
    pub logins: u64,
    pub refreshes: u64,
    /// Files received by upload calls: file name and content.
    pub uploads: Vec<(String, Vec<u8>)>,
    /// Changes to report as provisioning events: event type and variables.
    pub events: Vec<(String, Value)>,
    next_event: i64,
    /// Every session id, access token and refresh token issued (for secret-leak tests).
    pub issued: Vec<String>,
}

impl State {
    pub fn new(login: &str, password: &str, token: &str, token_lifetime: i64) -> Self {
        State {
            login: login.into(),
            password: password.into(),
            token: token.into(),
            token_lifetime,
            expire_after_calls: None,
            max_page_size: None,
            sessions: HashMap::new(),
            by_access_token: HashMap::new(),
            by_refresh_token: HashMap::new(),
            failed_logins: 0,
            accounts: Accounts::default(),
            customers: BTreeMap::new(),
            next_account: 1,
            next_customer: 1,
            counter: 0,
            calls: BTreeMap::new(),
            writes: HashMap::new(),
            logins: 0,
            refreshes: 0,
            uploads: Vec::new(),
            events: Vec::new(),
            next_event: 1,
            issued: Vec::new(),
        }
    }

    /// Adds `accounts` accounts, 1,000 to a customer.
    pub fn seed(&mut self, accounts: usize) {
        let customers = accounts.div_ceil(1000).max(1);
        for c in 0..customers {
            let i = self.next_customer;
            self.next_customer += 1;
            self.customers.insert(i, seed_customer(i, c));
        }
        // Made when asked for, so a simulator can serve a million accounts.
        self.accounts.seed(accounts);
        self.next_account = self.next_account.max(self.accounts.next_number());
    }

    fn unique(&mut self, prefix: &str) -> String {
        self.counter += 1;
        // Not a secure token: the simulator is a test server.
        let mut x =
            self.counter.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (now() as u64).rotate_left(17);
        let mut out = String::from(prefix);
        for _ in 0..4 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.push_str(&format!("{x:016x}"));
        }
        out
    }

    /// A JWT-shaped access token whose payload carries `exp` (unsigned: the client only reads it).
    fn access_token(&mut self, session_id: &str, exp: i64) -> String {
        let header = base64::encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = json!({"exp": exp, "iat": now(), "jti": session_id, "login": self.login, "realm": "admin"});
        let payload = base64::encode(payload.to_string().as_bytes());
        let nonce = self.unique("");
        let url = |s: String| s.trim_end_matches('=').replace('+', "-").replace('/', "_");
        format!("{}.{}.{}", url(header), url(payload), &nonce[..32])
    }

    fn new_session(&mut self) -> Value {
        let session_id = self.unique("");
        let exp = now() + self.token_lifetime;
        let access_token = self.access_token(&session_id, exp);
        let refresh_token = self.unique("r");
        self.issued.extend([
            session_id.clone(),
            access_token.clone(),
            refresh_token.clone(),
        ]);
        self.by_access_token
            .insert(access_token.clone(), session_id.clone());
        self.by_refresh_token
            .insert(refresh_token.clone(), session_id.clone());
        self.sessions.insert(
            session_id.clone(),
            SessionRecord {
                calls: 0,
                access_token: access_token.clone(),
                refresh_token: refresh_token.clone(),
                expires_at: exp,
            },
        );
        json!({
            "session_id": session_id,
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_at": DateTime::from_unix_timestamp(exp).map(|d| d.to_string()),
            "expires_in": self.token_lifetime,
        })
    }

    fn drop_session(&mut self, session_id: &str) {
        if let Some(record) = self.sessions.remove(session_id) {
            self.by_access_token.remove(&record.access_token);
            self.by_refresh_token.remove(&record.refresh_token);
        }
    }

    /// Expires every session now (for tests).
    pub fn expire_all(&mut self) {
        let ids: Vec<String> = self.sessions.keys().cloned().collect();
        for id in ids {
            self.drop_session(&id);
        }
    }

    /// Checks a call's credentials; returns the session id it uses, if any.
    fn authenticate(&mut self, creds: &Credentials) -> Result<Option<String>, SimFault> {
        if let (Some(login), Some(password)) = (&creds.login, &creds.password) {
            return if *login == self.login && *password == self.password {
                Ok(None)
            } else {
                Err(SimFault::new("Server.Session.auth_failed", "The login or password is incorrect. Please note: your password is case sensitive."))
            };
        }
        let (session_id, bearer) = match (&creds.access_token, &creds.session_id) {
            (Some(token), _) => (self.by_access_token.get(token).cloned(), true),
            (None, Some(id)) => (Some(id.clone()), false),
            (None, None) => {
                return Err(SimFault::new(
                    "Client.check_auth.envelope_missed",
                    "Authentication info is missed",
                ))
            }
        };
        let refused = || {
            if bearer {
                SimFault::new(
                    "Client.Session.check_auth.failed_to_process_access_token",
                    "Failed to process the access token",
                )
            } else {
                SimFault::new(
                    "Server.Session.check_auth.auth_failed",
                    "Authentication failed",
                )
            }
        };
        let Some(id) = session_id else {
            return Err(refused());
        };
        let expire_after = self.expire_after_calls;
        let Some(record) = self.sessions.get_mut(&id) else {
            return Err(refused());
        };
        if bearer && record.expires_at <= now() {
            return Err(refused());
        }
        record.calls += 1;
        if expire_after.is_some_and(|n| record.calls > n) {
            self.drop_session(&id);
            return Err(refused());
        }
        Ok(Some(id))
    }

    /// Handles one call.
    pub fn call(
        &mut self,
        service: &str,
        method: &str,
        creds: &Credentials,
        params: &Value,
    ) -> Result<Answer, SimFault> {
        *self.calls.entry(format!("{service}/{method}")).or_insert(0) += 1;
        let empty = Map::new();
        let p = params.as_object().unwrap_or(&empty);
        if service == "Session" {
            return self.session_call(method, creds, p).map(Answer::Json);
        }
        let session = self.authenticate(creds)?;
        let _ = session;
        let is_write = !crate::registry::operation(service, method).is_some_and(|op| op.read_only);
        if is_write {
            let key = format!("{service}/{method}:{params}");
            *self.writes.entry(key).or_insert(0) += 1;
        }
        match (service, method) {
            ("Account", m) => self.account_call(m, p),
            ("Customer", m) => self.customer_call(m, p),
            ("Invoice", "get_invoice_info") => Ok(invoice(p)),
            _ => Ok(self.generated(service, method, p)),
        }
    }

    /// The answer of a method the simulator keeps no state for: a generated list for a list
    /// method, an empty (valid) answer for the others.
    fn generated(&self, service: &str, method: &str, p: &Map<String, Value>) -> Answer {
        let list = crate::registry::operation(service, method)
            .filter(|_| method.starts_with("get_"))
            .and_then(|op| super::schema_data::generated_list(op, p, self.max_page_size));
        Answer::Json(list.unwrap_or_else(|| json!({})))
    }

    fn session_call(
        &mut self,
        method: &str,
        creds: &Credentials,
        p: &Map<String, Value>,
    ) -> Result<Value, SimFault> {
        match method {
            "login" => {
                let login = text(p, "login").unwrap_or_default();
                let ok = login == self.login
                    && (text(p, "password").as_deref() == Some(self.password.as_str())
                        || (!self.token.is_empty()
                            && text(p, "token").as_deref() == Some(self.token.as_str())));
                if self.failed_logins >= 5 {
                    return Err(SimFault::new(
                        "Server.Session.cannot_login_brute_force_activity",
                        "Too many failed login attempts; try again later",
                    ));
                }
                if !ok {
                    self.failed_logins += 1;
                    return Err(SimFault::new(
                        "Server.Session.auth_failed",
                        "The login or password is incorrect. Please note: your password is case sensitive.",
                    ));
                }
                self.failed_logins = 0;
                self.logins += 1;
                Ok(self.new_session())
            }
            "refresh_access_token" => {
                let token = text(p, "refresh_token").unwrap_or_default();
                let Some(id) = self.by_refresh_token.get(&token).cloned() else {
                    return Err(SimFault::new(
                        "Server.Session.refresh_access_token.refresh_failed",
                        "Refresh failed",
                    ));
                };
                let exp = now() + self.token_lifetime;
                let access_token = self.access_token(&id, exp);
                let refresh_token = self.unique("r");
                self.issued
                    .extend([access_token.clone(), refresh_token.clone()]);
                if let Some(record) = self.sessions.get_mut(&id) {
                    let old_access =
                        std::mem::replace(&mut record.access_token, access_token.clone());
                    let old_refresh =
                        std::mem::replace(&mut record.refresh_token, refresh_token.clone());
                    record.expires_at = exp;
                    self.by_access_token.remove(&old_access);
                    self.by_refresh_token.remove(&old_refresh);
                }
                self.by_access_token
                    .insert(access_token.clone(), id.clone());
                self.by_refresh_token.insert(refresh_token.clone(), id);
                self.refreshes += 1;
                Ok(json!({
                    "access_token": access_token,
                    "refresh_token": refresh_token,
                    "expires_at": DateTime::from_unix_timestamp(exp).map(|d| d.to_string()),
                    "expires_in": self.token_lifetime,
                }))
            }
            "ping" => {
                let probe = Credentials {
                    session_id: text(p, "session_id").or_else(|| creds.session_id.clone()),
                    access_token: text(p, "access_token").or_else(|| creds.access_token.clone()),
                    ..Credentials::default()
                };
                let alive = self.lookup(&probe).is_some();
                Ok(json!({ "user_id": if alive { 1 } else { 0 } }))
            }
            "logout" => {
                let probe = Credentials {
                    session_id: text(p, "session_id").or_else(|| creds.session_id.clone()),
                    access_token: text(p, "access_token").or_else(|| creds.access_token.clone()),
                    ..Credentials::default()
                };
                match self.lookup(&probe) {
                    Some(id) => {
                        self.drop_session(&id);
                        Ok(json!({ "success": 1 }))
                    }
                    None => Err(SimFault::new(
                        "Client.Session.logout.failed_to_process_access_token",
                        "Unknown session",
                    )),
                }
            }
            "login_to_realm" | "change_password" => {
                self.authenticate(creds)?;
                Ok(json!({}))
            }
            _ => Ok(json!({})),
        }
    }

    /// The session id named by these credentials, if it exists (without counting a call).
    fn lookup(&self, creds: &Credentials) -> Option<String> {
        match (&creds.access_token, &creds.session_id) {
            (Some(t), _) => self.by_access_token.get(t).cloned(),
            (None, Some(id)) if self.sessions.contains_key(id) => Some(id.clone()),
            _ => None,
        }
    }

    fn account_call(&mut self, method: &str, p: &Map<String, Value>) -> Result<Answer, SimFault> {
        let found = |s: &Self| -> Result<i64, SimFault> {
            if let Some(i) = int(p, "i_account") {
                return s
                    .accounts
                    .contains_key(&i)
                    .then_some(i)
                    .ok_or_else(|| not_found("Account", i));
            }
            let not_found = || SimFault::new("Server.Account.not_found", "Account not found");
            let key = text(p, "id")
                .or_else(|| text(p, "login"))
                .ok_or_else(not_found)?;
            let wanted = Some(key.clone());
            s.accounts
                .find(&key, |a| {
                    text(a, "id") == wanted || text(a, "login") == wanted
                })
                .ok_or_else(not_found)
        };
        match method {
            "get_account_info" => {
                let i = found(self)?;
                let account = self
                    .accounts
                    .get(&i)
                    .map(std::borrow::Cow::into_owned)
                    .unwrap_or_default();
                let mut out = json!({ "account_info": account });
                if int(p, "with_customer_info") == Some(1) {
                    let c = int(&account, "i_customer").unwrap_or(0);
                    if let Some(customer) = self.customers.get(&c) {
                        out["customer_info"] = Value::Object(customer.clone());
                    }
                }
                Ok(Answer::Json(out))
            }
            "get_account_list" => {
                let i_customer = int(p, "i_customer");
                let pattern = text(p, "id");
                if i_customer.is_none() && pattern.is_none() {
                    // The whole list: only the page asked for is made.
                    let (offset, limit) = window(p, self.max_page_size);
                    let list = self
                        .accounts
                        .numbers_from(offset)
                        .take(limit)
                        .filter_map(|i| self.accounts.get(&i))
                        .map(|a| Value::Object(a.into_owned()))
                        .collect();
                    return Ok(Answer::Json(page_answer(
                        p,
                        "account_list",
                        list,
                        self.accounts.len(),
                    )));
                }
                let items: Vec<Cow<'_, Map<String, Value>>> = self
                    .accounts
                    .values()
                    .filter(|a| i_customer.is_none_or(|c| int(a, "i_customer") == Some(c)))
                    .filter(|a| {
                        pattern
                            .as_deref()
                            .is_none_or(|pat| like(&text(a, "id").unwrap_or_default(), pat))
                    })
                    .collect();
                Ok(Answer::Json(page(
                    p,
                    "account_list",
                    items,
                    self.max_page_size,
                )))
            }
            "add_account" => {
                let info = object(p, "account_info")?;
                let id = text(&info, "id").ok_or_else(|| {
                    SimFault::new("Server.Account.missing_id", "Mandatory field missed: id")
                })?;
                if self
                    .accounts
                    .find(&id, |a| text(a, "id").as_deref() == Some(id.as_str()))
                    .is_some()
                {
                    return Err(SimFault::new(
                        "Server.Account.duplicate_id",
                        format!("Account with id {id} already exists"),
                    ));
                }
                let i = self.next_account;
                self.next_account += 1;
                let mut account = seed_account(i, int(&info, "i_customer").unwrap_or(1));
                account.extend(info);
                account.insert("i_account".into(), i.into());
                self.accounts.insert(i, account);
                self.event("Subscriber/Created", json!({ "i_account": i }));
                Ok(Answer::Json(json!({ "i_account": i })))
            }
            "update_account" => {
                let info = object(p, "account_info")?;
                let i = int(&info, "i_account").ok_or_else(|| {
                    SimFault::new(
                        "Server.Account.missing_id",
                        "Mandatory field missed: i_account",
                    )
                })?;
                let account = self
                    .accounts
                    .get_mut(&i)
                    .ok_or_else(|| not_found("Account", i))?;
                account.extend(info);
                self.event("Subscriber/Updated", json!({ "i_account": i }));
                Ok(Answer::Json(json!({ "i_account": i })))
            }
            "terminate_account" => {
                let i = found(self)?;
                self.accounts.remove(&i);
                self.event("Subscriber/Deleted", json!({ "i_account": i }));
                Ok(Answer::Json(json!({ "success": 1 })))
            }
            m => Ok(self.generated("Account", m, p)),
        }
    }

    fn customer_call(&mut self, method: &str, p: &Map<String, Value>) -> Result<Answer, SimFault> {
        let found = |s: &Self| -> Result<i64, SimFault> {
            if let Some(i) = int(p, "i_customer") {
                return s
                    .customers
                    .contains_key(&i)
                    .then_some(i)
                    .ok_or_else(|| not_found("Customer", i));
            }
            let key = text(p, "name").or_else(|| text(p, "login"));
            s.customers
                .iter()
                .find(|(_, c)| key.is_some() && (text(c, "name") == key || text(c, "login") == key))
                .map(|(i, _)| *i)
                .ok_or_else(|| SimFault::new("Server.Customer.not_found", "Customer not found"))
        };
        match method {
            "get_customer_info" => {
                let i = found(self)?;
                Ok(Answer::Json(
                    json!({ "customer_info": self.customers.get(&i).cloned().unwrap_or_default() }),
                ))
            }
            "get_customer_list" => {
                let name = text(p, "name");
                let items: Vec<Cow<'_, Map<String, Value>>> = self
                    .customers
                    .values()
                    .map(Cow::Borrowed)
                    .filter(|c| {
                        name.as_deref()
                            .is_none_or(|pat| like(&text(c, "name").unwrap_or_default(), pat))
                    })
                    .collect();
                Ok(Answer::Json(page(
                    p,
                    "customer_list",
                    items,
                    self.max_page_size,
                )))
            }
            "add_customer" => {
                let info = object(p, "customer_info")?;
                let name = text(&info, "name").ok_or_else(|| {
                    SimFault::new(
                        "Server.Customer.missing_name",
                        "Mandatory field missed: name",
                    )
                })?;
                if self
                    .customers
                    .values()
                    .any(|c| text(c, "name").as_deref() == Some(name.as_str()))
                {
                    return Err(SimFault::new(
                        "Server.Customer.duplicate_name",
                        format!("Customer {name} already exists"),
                    ));
                }
                let i = self.next_customer;
                self.next_customer += 1;
                let mut customer = seed_customer(i, i as usize);
                customer.extend(info);
                customer.insert("i_customer".into(), i.into());
                self.customers.insert(i, customer);
                self.event("Customer/Created", json!({ "i_customer": i }));
                Ok(Answer::Json(json!({ "i_customer": i })))
            }
            "update_customer" => {
                let info = object(p, "customer_info")?;
                let i = int(&info, "i_customer").ok_or_else(|| {
                    SimFault::new(
                        "Server.Customer.missing_id",
                        "Mandatory field missed: i_customer",
                    )
                })?;
                let customer = self
                    .customers
                    .get_mut(&i)
                    .ok_or_else(|| not_found("Customer", i))?;
                customer.extend(info);
                self.event("Customer/Updated", json!({ "i_customer": i }));
                Ok(Answer::Json(json!({ "i_customer": i })))
            }
            "upload_customer_document" => {
                let file = text(p, "file")
                    .and_then(|f| base64::decode(&f))
                    .ok_or_else(|| {
                        SimFault::new("Client.invalid_params", "Mandatory field missed: file")
                    })?;
                let name = text(p, "file_name").unwrap_or_default();
                self.uploads.push((name, file));
                Ok(Answer::Json(json!({ "success": 1 })))
            }
            "terminate_customer" => {
                let i = found(self)?;
                self.customers.remove(&i);
                self.event("Customer/Deleted", json!({ "i_customer": i }));
                Ok(Answer::Json(json!({ "success": 1 })))
            }
            m => Ok(self.generated("Customer", m, p)),
        }
    }

    fn event(&mut self, event_type: &str, mut variables: Value) {
        let i_event = self.next_event;
        self.next_event += 1;
        variables["i_event"] = i_event.into();
        self.events.push((event_type.to_string(), variables));
    }
}

fn not_found(entity: &str, i: i64) -> SimFault {
    SimFault::new(
        &format!("Server.{entity}.not_found"),
        format!("{entity} {i} not found"),
    )
}

fn object(p: &Map<String, Value>, key: &str) -> Result<Map<String, Value>, SimFault> {
    match p.get(key) {
        Some(Value::Object(o)) => Ok(o.clone()),
        _ => Err(SimFault::new(
            "Client.invalid_params",
            format!("Mandatory field missed: {key}"),
        )),
    }
}

fn text(p: &Map<String, Value>, key: &str) -> Option<String> {
    match p.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn int(p: &Map<String, Value>, key: &str) -> Option<i64> {
    match p.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// SQL `LIKE` with `%` wildcards, as PortaBilling's list filters take them.
fn like(value: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return value == pattern;
    }
    let mut rest = value;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        match rest.find(part) {
            Some(pos) if i > 0 || pos == 0 => rest = &rest[pos + part.len()..],
            _ => return false,
        }
    }
    parts.last().is_some_and(|l| l.is_empty()) || rest.is_empty()
}

/// A page of `items`: `limit` (no more than `cap`) and `offset`, and `total` when
/// `get_total` is set.
fn page(
    p: &Map<String, Value>,
    field: &str,
    items: Vec<Cow<'_, Map<String, Value>>>,
    cap: Option<usize>,
) -> Value {
    let total = items.len();
    let (offset, limit) = window(p, cap);
    let list: Vec<Value> = items
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|m| Value::Object(m.into_owned()))
        .collect();
    page_answer(p, field, list, total)
}

/// The `offset` and `limit` of a list request, the limit no more than `cap`.
fn window(p: &Map<String, Value>, cap: Option<usize>) -> (usize, usize) {
    let offset = int(p, "offset").unwrap_or(0).max(0) as usize;
    let limit = match int(p, "limit") {
        Some(l) if l > 0 => l as usize,
        _ => usize::MAX,
    }
    .min(cap.unwrap_or(usize::MAX));
    (offset, limit)
}

/// A list answer: the page's items, and `total` when `get_total` is set.
fn page_answer(p: &Map<String, Value>, field: &str, list: Vec<Value>, total: usize) -> Value {
    let mut out = json!({ field: list });
    if int(p, "get_total") == Some(1) {
        out["total"] = total.into();
    }
    out
}

fn invoice(p: &Map<String, Value>) -> Answer {
    let i = int(p, "i_invoice").unwrap_or(1);
    if int(p, "get_pdf") == Some(1) {
        let pdf = format!(
            "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% portabilling simulator invoice {i}\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        );
        return Answer::File {
            name: format!("invoice_{i}.pdf"),
            content_type: "application/pdf".into(),
            bytes: pdf.into_bytes(),
        };
    }
    Answer::Json(json!({
        "invoice_info": {
            "i_invoice": i,
            "invoice_number": format!("INV-{i:06}"),
            "i_customer": 1,
            "amount_due": 12.5,
            "issue_date": "2026-11-01",
        }
    }))
}

pub(crate) fn seed_customer(i: i64, n: usize) -> Map<String, Value> {
    let fields = json!({
        "i_customer": i,
        "name": format!("Sim Customer {i}"),
        "login": format!("customer{n}"),
        "iso_4217": "USD",
        "balance": 0,
        "credit_limit": 100,
        "bill_status": "O",
        "blocked": "N",
        "i_customer_type": 1,
        "i_billing_period": 4,
        "i_time_zone": 268,
        "creation_date": "2026-01-01 00:00:00",
        "country": "US",
        "city": "Springfield",
    });
    match fields {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub(crate) fn now() -> i64 {
    crate::auth::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_matches_sql_patterns() {
        assert!(like("sim-000001", "sim-%"));
        assert!(like("sim-000001", "%0001"));
        assert!(like("sim-000001", "%00%"));
        assert!(!like("sim-000001", "x%"));
        assert!(like("abc", "abc"));
    }
}
