//! The seam between generated service APIs and the clients, and what it offers list calls:
//! [`Transport`] makes typed calls, [`Pages`] walks a list with `limit`/`offset`, and
//! [`ItemStream`] yields a list's items as they are decoded from the socket.

use std::collections::VecDeque;

use crate::error::Result;
use crate::model::{Operation, PagedOperation};

/// Makes typed calls. The [`Client`](crate::Client) implements it over SOAP and REST; the
/// generated `Api` of each service calls it, so a test double can stand in for the network.
pub trait Transport {
    /// Calls operation `O`.
    fn call<O: Operation>(&self, request: &O::Request) -> Result<O::Response>;

    /// Calls list operation `O` and yields the list's items as they are decoded.
    fn stream<O: PagedOperation>(&self, request: &O::Request) -> Result<ItemStream<O::Item>>;
}

/// The default number of items fetched per page.
pub const DEFAULT_PAGE_SIZE: u64 = 100;

/// Pages through a list operation with `limit` and `offset`, yielding one item at a time.
///
/// Only one page is held in memory. Paging stops at the first page shorter than the page size,
/// and the offset advances by exactly the number of items received, so no item is skipped or
/// repeated (as long as the list does not change underneath).
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
pub struct Pages<'a, T, O: PagedOperation> {
    transport: &'a T,
    request: O::Request,
    page_size: u64,
    offset: u64,
    buffer: VecDeque<O::Item>,
    done: bool,
    want_total: bool,
    total: Option<u64>,
    pages: u64,
}

impl<'a, T: Transport, O: PagedOperation> Pages<'a, T, O> {
    /// Pages through `request` (whose `limit` and `offset` are replaced).
    pub fn new(transport: &'a T, request: O::Request) -> Self {
        Pages {
            transport,
            request,
            page_size: DEFAULT_PAGE_SIZE,
            offset: 0,
            buffer: VecDeque::new(),
            done: false,
            want_total: false,
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

    /// Asks the server for the total number of items with the first page (`get_total`).
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
        let response = self.transport.call::<O>(&self.request)?;
        self.pages += 1;
        if first || self.total.is_none() {
            self.total = O::total(&response).or(self.total);
        }
        let items = O::into_items(response);
        let received = items.len() as u64;
        self.offset += received;
        if received < self.page_size {
            self.done = true;
        }
        self.buffer.extend(items);
        Ok(())
    }
}

impl<T: Transport, O: PagedOperation> Iterator for Pages<'_, T, O> {
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
    inner: Box<dyn Iterator<Item = Result<T>> + Send>,
}

impl<T> ItemStream<T> {
    /// A stream over any iterator of items.
    pub fn new(inner: impl Iterator<Item = Result<T>> + Send + 'static) -> Self {
        ItemStream {
            inner: Box::new(inner),
        }
    }
}

impl<T> Iterator for ItemStream<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        self.inner.next()
    }
}

impl<T> std::fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ItemStream")
    }
}
