//! The seam between generated service APIs and the clients, and what it offers list calls:
//! [`Caller`] makes typed calls, [`Pages`] walks a list with `limit`/`offset`, and
//! [`ItemStream`] yields a list's items as they are decoded from the socket.

use std::collections::VecDeque;

use crate::error::Result;
use crate::model::{Operation, PagedOperation, Slot, ValueMut};

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
    page_size: u64,
    offset: u64,
    buffer: VecDeque<O::Item>,
    done: bool,
    want_total: bool,
    total: Option<u64>,
    pages: u64,
}

impl<'a, C: Caller, O: PagedOperation> Pages<'a, C, O> {
    /// Pages through `request` (whose `limit` and `offset` are replaced).
    pub fn new(caller: &'a C, request: O::Request) -> Self {
        Pages {
            caller,
            request,
            page_size: DEFAULT_PAGE_SIZE,
            offset: 0,
            buffer: VecDeque::new(),
            done: false,
            want_total: O::REPORTS_TOTAL,
            total: None,
            pages: 0,
        }
    }

    /// Fetches `size` items per call (at least 1; the default is 100).
    pub fn page_size(mut self, size: u64) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Starts at item `offset` instead of 0.
    pub fn start_at(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// Asks the server for the total number of items with the first page (`get_total`). Done
    /// by default whenever the method reports a total.
    pub fn with_total(mut self) -> Self {
        self.want_total = true;
        self
    }

    /// The total the server reported, fetching the first page if needed. `None` if the
    /// server does not report one.
    pub fn total(&mut self) -> Result<Option<u64>> {
        if self.pages == 0 && !self.done {
            self.want_total = true;
            self.fetch()?;
        }
        Ok(self.total)
    }

    /// The number of pages fetched so far.
    pub fn pages_fetched(&self) -> u64 {
        self.pages
    }

    fn fetch(&mut self) -> Result<()> {
        let first = self.pages == 0;
        O::set_page(
            &mut self.request,
            self.offset,
            self.page_size,
            self.want_total && first,
        );
        let response = self.caller.call::<O>(&self.request)?;
        self.pages += 1;
        if first || self.total.is_none() {
            self.total = O::total(&response).or(self.total);
        }
        let items = O::into_items(response);
        let received = items.len() as u64;
        self.offset += received;
        self.done = match self.total {
            // The total says where the list ends; an empty page ends it sooner (the list
            // shrank while it was read, or the server stops short of its own total).
            Some(total) => {
                if received == 0 && self.offset < total {
                    tracing::warn!(
                        service = O::INFO.service,
                        method = O::INFO.method,
                        offset = self.offset,
                        total,
                        "the server returned no items before the total it reported"
                    );
                }
                received == 0 || self.offset >= total
            }
            None => received < self.page_size,
        };
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
            if self.done {
                return None;
            }
            if let Err(e) = self.fetch() {
                // A failed page ends the walk: resuming at the same offset is the caller's
                // choice (see `start_at`).
                self.done = true;
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
