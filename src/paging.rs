//! The seam between generated service APIs and the clients, and what it offers list calls:
//! [`Caller`] makes typed calls, [`Pages`] walks a list with `limit`/`offset`, and
//! [`ItemStream`] yields a list's items as they are decoded from the socket.

use std::collections::VecDeque;

use crate::error::{Error, Result};
use crate::model::{
    AnyValue, FieldValue, Operation, OperationInfo, PagedOperation, Slot, Structure, ValueMut,
    ValueRef,
};

/// Makes typed calls. The [`Client`](crate::Client) implements it over SOAP and REST; the
/// generated `Api` of each service calls it, so a test double can stand in for the network.
pub trait Caller {
    /// Calls operation `O`.
    fn call<O: Operation>(&self, request: &O::Request) -> Result<O::Response>;

    /// Calls list operation `O` and yields the list's items as they are decoded.
    fn stream<O: PagedOperation>(&self, request: &O::Request) -> Result<ItemStream<O::Item>>;
}

/// The default number of items fetched per page.
pub const DEFAULT_PAGE_SIZE: u64 = 100;

/// Where a walk through a list stands, and the one place that decides, after each page,
/// whether the list goes on: shared by [`Pages`] and [`ListPages`].
#[derive(Clone, Copy, Debug)]
struct Walk {
    page_size: u64,
    offset: u64,
    want_total: bool,
    total: Option<u64>,
    done: bool,
    pages: u64,
    /// A fingerprint of the last page's first and last items, to notice a server that
    /// answers every offset with the same page.
    last_page: Option<u64>,
}

impl Walk {
    fn new(want_total: bool) -> Self {
        Walk {
            page_size: DEFAULT_PAGE_SIZE,
            offset: 0,
            want_total,
            total: None,
            done: false,
            pages: 0,
            last_page: None,
        }
    }

    /// Whether the next page is the first and asks for the total.
    fn asks_total(&self) -> bool {
        self.want_total && self.pages == 0
    }

    /// Takes in a page of `received` items that reported `total` (if it did), with
    /// `fingerprint` of its first and last items. An error when the page is the previous one
    /// again: the server ignores `offset`, and going on would repeat items without end.
    fn after_page(
        &mut self,
        op: &OperationInfo,
        total: Option<u64>,
        received: u64,
        fingerprint: Option<u64>,
    ) -> Result<()> {
        let first = self.pages == 0;
        self.pages += 1;
        if first || self.total.is_none() {
            self.total = total.or(self.total);
        }
        if received > 0 && fingerprint.is_some() && fingerprint == self.last_page {
            self.done = true;
            return Err(Error::decode(
                op.service,
                op.method,
                format!(
                    "the page at offset {} holds the same items as the page before it: the \
                     server does not honour `offset`, and paging on would repeat them without \
                     end",
                    self.offset
                ),
                None,
                b"",
            ));
        }
        self.last_page = fingerprint;
        self.offset += received;
        self.done = match self.total {
            // The total says where the list ends; an empty page ends it sooner (the list
            // shrank while it was read, or the server stops short of its own total).
            Some(total) => {
                if received == 0 && self.offset < total {
                    tracing::warn!(
                        service = op.service,
                        method = op.method,
                        offset = self.offset,
                        total,
                        "the server returned no items before the total it reported"
                    );
                }
                received == 0 || self.offset >= total
            }
            None => received < self.page_size,
        };
        Ok(())
    }
}

/// A fingerprint of a page's first and last items (their JSON form, hashed); `None` for an
/// empty page.
fn page_fingerprint(first: Option<ValueRef<'_>>, last: Option<ValueRef<'_>>) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for item in [first?, last?] {
        serde_json::to_vec(&ListItem(item)).ok()?.hash(&mut hasher);
    }
    Some(hasher.finish())
}

/// Pages through a list operation with `limit` and `offset`, yielding one item at a time.
///
/// Only one page is held in memory. The offset advances by exactly the number of items
/// received, so no item is skipped or repeated (as long as the list does not change
/// underneath), and a server that returns fewer items than asked for (one that caps `limit`)
/// does not end the list early:
///
/// - when the method reports a total (`get_total` in the request, `total` in the response),
///   the first page asks for it, and paging goes on until the total is reached or a page
///   comes back empty;
/// - when it does not, a page shorter than the page size ends the list: without a total there
///   is no telling a capped page from the last one.
///
/// ```no_run
/// # fn main() -> portabilling::Result<()> {
/// use portabilling::{account, Client};
/// let client = Client::builder("https://billing.example.com").login("api", "secret").build()?;
/// let request = account::GetAccountListRequest { i_customer: Some(444), ..Default::default() };
/// let mut pages = client.account().iter_account_list(request).page_size(500).with_total();
/// println!("{:?} accounts", pages.total()?);
/// for account in pages {
///     let account = account?;
///     println!("{:?}", account.id);
/// }
/// # Ok(())
/// # }
/// ```
pub struct Pages<'a, C, O: PagedOperation> {
    caller: &'a C,
    request: O::Request,
    walk: Walk,
    buffer: VecDeque<O::Item>,
}

impl<'a, C: Caller, O: PagedOperation> Pages<'a, C, O> {
    /// Pages through `request` (whose `limit` and `offset` are replaced).
    pub fn new(caller: &'a C, request: O::Request) -> Self {
        Pages {
            caller,
            request,
            walk: Walk::new(O::REPORTS_TOTAL),
            buffer: VecDeque::new(),
        }
    }

    /// Fetches `size` items per call (at least 1; the default is 100).
    pub fn page_size(mut self, size: u64) -> Self {
        self.walk.page_size = size.max(1);
        self
    }

    /// Starts at item `offset` instead of 0.
    pub fn start_at(mut self, offset: u64) -> Self {
        self.walk.offset = offset;
        self
    }

    /// Asks the server for the total number of items with the first page (`get_total`). Done
    /// by default whenever the method reports a total.
    pub fn with_total(mut self) -> Self {
        self.walk.want_total = true;
        self
    }

    /// The total the server reported, fetching the first page if needed. `None` if the
    /// server does not report one.
    pub fn total(&mut self) -> Result<Option<u64>> {
        if self.walk.pages == 0 && !self.walk.done {
            self.walk.want_total = true;
            self.fetch()?;
        }
        Ok(self.walk.total)
    }

    /// The number of pages fetched so far.
    pub fn pages_fetched(&self) -> u64 {
        self.walk.pages
    }

    fn fetch(&mut self) -> Result<()> {
        let walk = &self.walk;
        O::set_page(
            &mut self.request,
            walk.offset,
            walk.page_size,
            walk.asks_total(),
        );
        let response = self.caller.call::<O>(&self.request)?;
        let total = O::total(&response);
        let items = O::into_items(response);
        let fingerprint = page_fingerprint(
            items.first().map(FieldValue::value),
            items.last().map(FieldValue::value),
        );
        self.walk
            .after_page(O::INFO, total, items.len() as u64, fingerprint)?;
        self.buffer.extend(items);
        Ok(())
    }
}

impl<C: Caller, O: PagedOperation> Iterator for Pages<'_, C, O> {
    type Item = Result<O::Item>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            if self.walk.done {
                return None;
            }
            if let Err(e) = self.fetch() {
                // A failed page ends the walk: resuming at the same offset is the caller's
                // choice (see `start_at`).
                self.walk.done = true;
                return Some(Err(e));
            }
        }
    }
}

/// The items of a list response, decoded one by one as they arrive.
///
/// Memory stays flat whatever the length of the list: each item is dropped by the decoder
/// once yielded. The connection is released when the stream ends or is dropped.
pub struct ItemStream<T> {
    inner: Inner<T>,
}

enum Inner<T> {
    Iter(Box<dyn Iterator<Item = Result<T>> + Send>),
    Source(Box<dyn ItemSource>, bool),
}

/// Decodes a list's items one at a time into a slot of the item type: the part of a stream
/// that is compiled once, whatever the item type.
pub(crate) trait ItemSource: Send {
    /// Decodes the next item into `slot`; `false` at the end of the list.
    fn next_into(&mut self, slot: ValueMut<'_>) -> Result<bool>;
}

impl<T> ItemStream<T> {
    /// A stream over any iterator of items (a test double's, say).
    pub fn new(inner: impl Iterator<Item = Result<T>> + Send + 'static) -> Self {
        ItemStream {
            inner: Inner::Iter(Box::new(inner)),
        }
    }

    /// A stream of the items `source` decodes.
    pub(crate) fn decoding(source: impl ItemSource + 'static) -> Self {
        ItemStream {
            inner: Inner::Source(Box::new(source), false),
        }
    }
}

impl<T: Slot> Iterator for ItemStream<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        match &mut self.inner {
            Inner::Iter(iter) => iter.next(),
            Inner::Source(_, true) => None,
            Inner::Source(source, done) => {
                let mut item = T::default();
                match source.next_into(item.value_mut()) {
                    Ok(true) => Some(Ok(item)),
                    Ok(false) => {
                        *done = true;
                        None
                    }
                    Err(e) => {
                        *done = true;
                        Some(Err(e))
                    }
                }
            }
        }
    }
}

impl<T> std::fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ItemStream")
    }
}

/// Makes calls to operations chosen at run time (from the [registry](crate::registry)). The
/// [`Client`](crate::Client) implements it; [`ListPages`] pages through it.
pub trait DynCaller {
    /// Calls `op` with a request value of its request type; returns a value of its response
    /// type.
    fn call_dyn(
        &self,
        op: &'static OperationInfo,
        request: &dyn Structure,
    ) -> Result<Box<dyn Structure>>;
}

/// Pages through a list operation chosen at run time, as [`Pages`] does for a typed one, and
/// hands out its items one at a time, each as a [`ListItem`] that serializes to JSON in
/// PortaBilling's REST conventions (the shape `Client::call` gives the list's items).
///
/// Only one page is held in memory (the previous page is dropped before the next is asked
/// for), so memory does not grow with the list: this is what `portabilling call --all`
/// exports with. Paging follows the rules of [`Pages`]: the total is asked for with the first
/// page when the method reports one, the offset advances by the items received, and without a
/// total a short page ends the list.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::io::Write;
/// use portabilling::paging::ListPages;
/// let client = portabilling::Client::builder("https://billing.example.com").login("api", "secret").build()?;
/// let op = portabilling::registry::operation("Account", "get_account_list").expect("bundled");
/// let mut pages = ListPages::new(&client, op, serde_json::json!({"i_customer": 444}))?.page_size(500);
/// let mut out = std::io::stdout().lock();
/// while let Some(item) = pages.next_item()? {
///     serde_json::to_writer(&mut out, &item)?;
///     out.write_all(b"\n")?;
/// }
/// # Ok(())
/// # }
/// ```
pub struct ListPages<'a, C: ?Sized> {
    caller: &'a C,
    op: &'static OperationInfo,
    params: serde_json::Map<String, AnyValue>,
    /// The index of the list field in the response's schema.
    list_index: usize,
    walk: Walk,
    /// The current page, and the index of its next item.
    page: Option<(Box<dyn Structure>, usize)>,
}

impl<'a, C: DynCaller + ?Sized> ListPages<'a, C> {
    /// Pages through `op` with `params` (a JSON object of its request's fields). `offset` in
    /// `params` is where the walk starts; `limit` and `get_total` are set by the walk. An
    /// operation that is not a paged list (no `limit`, `offset` and list field, see
    /// [`OperationInfo::list_field`]) is refused, as are parameters that do not fit its
    /// request type, before anything is sent.
    pub fn new(caller: &'a C, op: &'static OperationInfo, params: AnyValue) -> Result<Self> {
        let call = format!("{}/{}", op.service, op.method);
        let Some(list_index) = op.list_field.and_then(|f| op.response.lookup(f)) else {
            return Err(Error::input(
                call,
                "not a paged list method (it has no `limit`, `offset` and list in its answer), so there is nothing to page through".to_string(),
            ));
        };
        let params = match params {
            AnyValue::Object(map) => map,
            AnyValue::Null => serde_json::Map::new(),
            _ => {
                return Err(Error::input(call, "the parameters must be a JSON object"));
            }
        };
        // The request must fit before anything is sent.
        crate::registry::request_from_json(op, &AnyValue::Object(params.clone()))?;
        let offset = match params.get("offset") {
            None | Some(AnyValue::Null) => 0,
            Some(v) => match v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()) {
                Some(offset) => offset,
                None => {
                    return Err(Error::input(
                        call,
                        format!("`offset` must be a whole number from 0 up, not {v}"),
                    ))
                }
            },
        };
        let mut walk = Walk::new(
            op.request.lookup("get_total").is_some() && op.response.lookup("total").is_some(),
        );
        walk.offset = offset;
        Ok(ListPages {
            caller,
            op,
            params,
            list_index,
            walk,
            page: None,
        })
    }

    /// Fetches `size` items per call (at least 1; the default is 100).
    pub fn page_size(mut self, size: u64) -> Self {
        self.walk.page_size = size.max(1);
        self
    }

    /// The number of pages fetched so far.
    pub fn pages_fetched(&self) -> u64 {
        self.walk.pages
    }

    /// The total the server reported with a page so far, if it did (nothing is fetched to
    /// learn it, unlike [`Pages::total`]).
    pub fn reported_total(&self) -> Option<u64> {
        self.walk.total
    }

    /// The offset of the next item to fetch: after a failure, where to start again.
    pub fn offset(&self) -> u64 {
        self.walk.offset
    }

    /// The next item, fetching the next page when this one is used up; `None` at the end of
    /// the list. After an error the walk is over ([`offset`](Self::offset) says where it
    /// stopped).
    pub fn next_item(&mut self) -> Result<Option<ListItem<'_>>> {
        let at = loop {
            if let Some((page, next)) = &mut self.page {
                if *next < list_len(page.as_ref(), self.list_index) {
                    *next += 1;
                    break *next - 1;
                }
            }
            // The page is used up: drop it before the next one is read.
            self.page = None;
            if self.walk.done {
                return Ok(None);
            }
            if let Err(e) = self.fetch() {
                self.walk.done = true;
                return Err(e);
            }
        };
        Ok(self.page.as_ref().map(|(page, _)| {
            ListItem(match page.field(self.list_index) {
                ValueRef::List(list) => list.item(at),
                _ => ValueRef::Absent,
            })
        }))
    }

    fn fetch(&mut self) -> Result<()> {
        let mut params = self.params.clone();
        params.insert("offset".into(), self.walk.offset.into());
        params.insert("limit".into(), self.walk.page_size.into());
        if self.walk.asks_total() {
            params.insert("get_total".into(), 1.into());
        } else {
            params.remove("get_total");
        }
        let request = crate::registry::request_from_json(self.op, &AnyValue::Object(params))?;
        let response = self.caller.call_dyn(self.op, request.as_ref())?;
        let (received, fingerprint) = match response.field(self.list_index) {
            ValueRef::List(list) => {
                let n = list.len();
                let at = |i: usize| (i < n).then(|| list.item(i));
                (n, page_fingerprint(at(0), n.checked_sub(1).and_then(at)))
            }
            _ => (0, None),
        };
        let total = response_total(response.as_ref());
        self.walk
            .after_page(self.op, total, received as u64, fingerprint)?;
        self.page = Some((response, 0));
        Ok(())
    }
}

/// The number of items in field `index` of `page` (a list).
fn list_len(page: &dyn Structure, index: usize) -> usize {
    match page.field(index) {
        ValueRef::List(list) => list.len(),
        _ => 0,
    }
}

/// The `total` a list response reports, if it does.
fn response_total(response: &dyn Structure) -> Option<u64> {
    let index = response.schema().lookup("total")?;
    match response.field(index) {
        ValueRef::Scalar(s) => s.to_string().trim().parse().ok(),
        _ => None,
    }
}

/// One item of a list walked by [`ListPages`]: it serializes to JSON as the item appears in
/// the answer of `Client::call`.
#[derive(Clone, Copy)]
pub struct ListItem<'a>(ValueRef<'a>);

impl<'a> ListItem<'a> {
    /// The item, to read through the data model.
    pub fn value(&self) -> ValueRef<'a> {
        self.0
    }

    /// The item as a JSON value.
    pub fn to_json(&self) -> AnyValue {
        serde_json::to_value(self).unwrap_or(AnyValue::Null)
    }
}

impl serde::Serialize for ListItem<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        crate::model::json::serialize_value(self.0, serializer)
    }
}

impl std::fmt::Debug for ListItem<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            // A structure's Debug output redacts its secrets.
            ValueRef::Struct(s) => s.fmt(f),
            _ => f.write_str("ListItem(..)"),
        }
    }
}
