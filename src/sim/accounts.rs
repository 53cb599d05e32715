//! The simulator's accounts, generated on demand: the seeded ones (numbers `1..=seeded`) are
//! made from their number when asked for, until a call changes or removes them, so a simulator
//! can serve a list of a million accounts without holding a million accounts. Only what calls
//! changed, added or removed is kept.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

/// One account, as the simulator holds it: its fields in PortaBilling's JSON form.
pub(crate) type Account = Map<String, Value>;

/// The accounts, by `i_account`, in order.
#[derive(Debug, Default)]
pub(crate) struct Accounts {
    /// Accounts `1..=seeded` exist unless removed, made by [`seed_account`] unless changed.
    seeded: i64,
    /// Seeded accounts that a call changed, and accounts a call added.
    held: BTreeMap<i64, Account>,
    /// Seeded accounts a call removed.
    removed: BTreeSet<i64>,
}

impl Accounts {
    /// Accounts `1..=n`, 1,000 to a customer (customers `1..`), made when asked for. Only for
    /// a store that holds no account yet; otherwise the accounts are made at once.
    pub fn seed(&mut self, n: usize) {
        let n = n as i64;
        if self.seeded == 0 && self.held.is_empty() && self.removed.is_empty() {
            self.seeded = n;
            return;
        }
        let start = self.next_number();
        for i in start..start + n {
            self.held.insert(i, seed_account(i, (i - start) / 1000 + 1));
        }
    }

    /// The number after the highest that exists or existed.
    pub fn next_number(&self) -> i64 {
        let held = self.held.keys().next_back().copied().unwrap_or(0);
        self.seeded.max(held) + 1
    }

    /// How many accounts there are.
    pub fn len(&self) -> usize {
        let added = self.held.range(self.seeded + 1..).count();
        (self.seeded as usize - self.removed.len()) + added
    }

    /// Whether account `i` exists.
    pub fn contains_key(&self, i: &i64) -> bool {
        self.held.contains_key(i) || self.is_seeded(*i)
    }

    /// A seeded account that was neither changed nor removed.
    fn is_seeded(&self, i: i64) -> bool {
        (1..=self.seeded).contains(&i) && !self.removed.contains(&i)
    }

    /// Account `i`.
    pub fn get(&self, i: &i64) -> Option<Cow<'_, Account>> {
        match self.held.get(i) {
            Some(account) => Some(Cow::Borrowed(account)),
            None if self.is_seeded(*i) => Some(Cow::Owned(seeded_account(*i))),
            None => None,
        }
    }

    /// Account `i`, to change (from then on it is held).
    pub fn get_mut(&mut self, i: &i64) -> Option<&mut Account> {
        if !self.held.contains_key(i) && self.is_seeded(*i) {
            self.held.insert(*i, seeded_account(*i));
        }
        self.held.get_mut(i)
    }

    /// Adds or replaces account `i`.
    pub fn insert(&mut self, i: i64, account: Account) {
        self.removed.remove(&i);
        self.held.insert(i, account);
    }

    /// Removes account `i`.
    pub fn remove(&mut self, i: &i64) -> Option<Account> {
        let account = self.get(i).map(Cow::into_owned);
        self.held.remove(i);
        if (1..=self.seeded).contains(i) {
            self.removed.insert(*i);
        }
        account
    }

    /// The account numbers in order, from the `skip`-th on. Skipping costs the number of
    /// removed seeded accounts, not `skip`, so paging through a long list stays linear.
    pub fn numbers_from(&self, skip: usize) -> Box<dyn Iterator<Item = i64> + '_> {
        // The first seeded number left: each removed one at or below it pushes it on by one.
        let mut first = (skip as i64).saturating_add(1);
        for removed in &self.removed {
            if *removed > first {
                break;
            }
            first += 1;
        }
        let seeded_left = self.seeded - self.removed.len() as i64;
        let past = (skip as i64 - seeded_left).max(0) as usize;
        let added = self.held.range(self.seeded + 1..).map(|(i, _)| *i);
        Box::new(
            (first..=self.seeded)
                .filter(|i| !self.removed.contains(i))
                .chain(added.skip(past)),
        )
    }

    /// The first account (in order) that `matches`, where `key` is the value looked for: the
    /// held accounts are searched, and a seeded one is found from its number (its id is
    /// `sim-` and the number) rather than by making every seeded account.
    pub fn find(&self, key: &str, matches: impl Fn(&Account) -> bool) -> Option<i64> {
        let held = self.held.iter().find(|(_, a)| matches(a)).map(|(i, _)| *i);
        let seeded = key
            .strip_prefix("sim-")
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|i| self.is_seeded(*i) && !self.held.contains_key(i))
            .filter(|i| matches(&seeded_account(*i)));
        match (held, seeded) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Every account, in order.
    pub fn values(&self) -> impl Iterator<Item = Cow<'_, Account>> + '_ {
        self.numbers_from(0).filter_map(|i| self.get(&i))
    }
}

/// Seeded account `i` as it was made: 1,000 to a customer.
fn seeded_account(i: i64) -> Account {
    seed_account(i, (i - 1) / 1000 + 1)
}

/// A seeded account with about 25 fields, deterministic from its number.
pub(crate) fn seed_account(i: i64, i_customer: i64) -> Account {
    let day = 1 + i % 28;
    let fields = json!({
        "i_account": i,
        "id": format!("sim-{i:06}"),
        "i_customer": i_customer,
        "customer_name": format!("Sim Customer {i_customer}"),
        "i_product": 60 + i % 3,
        "product_name": "Sim mobile",
        "billing_model": 1,
        "blocked": if i % 17 == 0 { "Y" } else { "N" },
        "bill_status": "O",
        "balance": (i * 131 % 10_000) as f64 / 100.0,
        "opening_balance": 0,
        "credit_limit": null,
        "iso_4217": "USD",
        "activation_date": format!("2026-01-{day:02}"),
        "expiration_date": null,
        "first_usage": format!("2026-02-{day:02}"),
        "last_usage": format!("2026-11-{day:02} 10:{:02}:00", i % 60),
        "i_time_zone": 268,
        "time_zone_name": "Pacific/Palau",
        "i_lang": "en",
        "firstname": format!("First{i}"),
        "lastname": "Sim",
        "email": format!("sim{i}@example.invalid"),
        "h323_password": format!("pw{:06}", i * 7919 % 1_000_000),
        "is_active": 1,
        "service_flags": "   1",
    });
    match fields {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(accounts: &Accounts, skip: usize) -> Vec<i64> {
        accounts.numbers_from(skip).collect()
    }

    #[test]
    fn seeded_accounts_are_made_on_demand_and_changes_are_kept() {
        let mut accounts = Accounts::default();
        accounts.seed(2500);
        assert_eq!(accounts.len(), 2500);
        assert!(accounts.held.is_empty(), "nothing is held after seeding");
        let a = accounts.get(&1001).unwrap();
        assert_eq!(a["i_customer"], json!(2));
        assert_eq!(a["id"], json!("sim-001001"));
        assert_eq!(numbers(&accounts, 2498), vec![2499, 2500]);

        accounts
            .get_mut(&5)
            .unwrap()
            .insert("blocked".into(), json!("Y"));
        assert_eq!(accounts.get(&5).unwrap()["blocked"], json!("Y"));
        assert_eq!(accounts.len(), 2500);

        assert!(accounts.remove(&3).is_some());
        assert!(!accounts.contains_key(&3));
        assert!(accounts.get(&3).is_none());
        assert_eq!(accounts.len(), 2499);
        let next = accounts.next_number();
        assert_eq!(next, 2501);
        accounts.insert(next, seed_account(next, 1));
        assert_eq!(accounts.len(), 2500);
        assert_eq!(numbers(&accounts, 0)[..4], [1, 2, 4, 5]);
        assert_eq!(numbers(&accounts, 2498), vec![2500, 2501]);
        assert_eq!(accounts.values().count(), 2500);
    }

    #[test]
    fn skipping_past_the_seeded_accounts_reaches_the_added_ones() {
        let mut accounts = Accounts::default();
        accounts.seed(3);
        accounts.insert(4, seed_account(4, 1));
        accounts.insert(5, seed_account(5, 1));
        assert_eq!(numbers(&accounts, 0), vec![1, 2, 3, 4, 5]);
        assert_eq!(numbers(&accounts, 3), vec![4, 5]);
        assert_eq!(numbers(&accounts, 4), vec![5]);
        assert_eq!(numbers(&accounts, 9), Vec::<i64>::new());
    }

    #[test]
    fn skipping_counts_removed_accounts_as_gone_wherever_they_are() {
        let mut accounts = Accounts::default();
        accounts.seed(10);
        for i in [1, 4, 5, 10] {
            accounts.remove(&i);
        }
        accounts.insert(11, seed_account(11, 1));
        let all: Vec<i64> = vec![2, 3, 6, 7, 8, 9, 11];
        for skip in 0..=all.len() + 1 {
            let expected: Vec<i64> = all.iter().copied().skip(skip).collect();
            assert_eq!(numbers(&accounts, skip), expected, "skip {skip}");
        }
    }

    #[test]
    fn an_account_is_found_by_id_held_or_seeded() {
        let mut accounts = Accounts::default();
        accounts.seed(1_000_000);
        let by_id = |accounts: &Accounts, id: &str| accounts.find(id, |a| a["id"] == json!(id));
        assert_eq!(by_id(&accounts, "sim-054321"), Some(54321));
        assert_eq!(
            by_id(&accounts, "sim-2000000"),
            None,
            "past the seeded ones"
        );
        assert!(
            accounts.held.is_empty(),
            "found without making every account"
        );
        // A changed id is found under its new value only.
        accounts
            .get_mut(&7)
            .unwrap()
            .insert("id".into(), json!("renamed"));
        assert_eq!(by_id(&accounts, "renamed"), Some(7));
        assert_eq!(by_id(&accounts, "sim-000007"), None);
        accounts.remove(&8);
        assert_eq!(by_id(&accounts, "sim-000008"), None);
    }
}
