//! Tests of search pages: filters, orders, keyset pages and totals.

use super::*;

/// A document whose facets say its status, region and price.
fn faceted(n: u64, status: &str, region: &str, amount: Option<i64>) -> SearchDoc {
    let mut facets = Facets { valid_until: 700_000, amount, ..Facets::default() };
    facets.term("status", status);
    facets.term("region", region);
    SearchDoc {
        // Time-ordered like UUID v7: a later n sorts as newer.
        id: format!("{n:032x}"),
        library: Library::Experts,
        title: "锂离子电池".to_owned(),
        keywords: Vec::new(),
        body: format!("正极材料 {n}"),
        facets,
    }
}

#[test]
fn a_page_meets_its_filter_in_its_order_and_counts_every_hit() {
    let index = SearchIndex::in_memory().unwrap();
    let docs: Vec<SearchDoc> = (1..=300)
        .map(|n| {
            let status = if n % 3 == 0 { "draft" } else { "published" };
            let amount = (n % 5 != 0).then_some(i64::try_from(n % 50).unwrap());
            faceted(n, status, if n % 2 == 0 { "33" } else { "44" }, amount)
        })
        .collect();
    index.upsert_many(&docs).unwrap();
    let filter = IndexFilter::AllOf(vec![
        IndexFilter::term("status", "published"),
        IndexFilter::term("region", "33"),
    ]);
    let wanted: Vec<&SearchDoc> = docs
        .iter()
        .filter(|d| d.facets.terms.contains(&"status=published".to_owned()))
        .filter(|d| d.facets.terms.contains(&"region=33".to_owned()))
        .collect();
    let page = |order, offset, limit| {
        index
            .page(&PageQuery {
                library: Library::Experts,
                text: Some("电池"),
                words: WordMatch::All,
                filter: &filter,
                order,
                offset,
                before: None,
                limit,
            })
            .unwrap()
    };
    // Newest first, page by page to the end.
    let mut newest = Vec::new();
    for offset in (0..wanted.len() + 30).step_by(30) {
        let found = page(IndexOrder::Newest, offset, 30);
        assert_eq!(found.total, wanted.len());
        newest.extend(found.hits.into_iter().map(|h| h.id));
    }
    let mut expected: Vec<String> = wanted.iter().map(|d| d.id.clone()).collect();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(newest, expected);
    // The same by keyset: each page after the last id of the one before, counting them all.
    let mut keyset: Vec<String> = Vec::new();
    loop {
        let found = index
            .page(&PageQuery {
                library: Library::Experts,
                text: None,
                words: WordMatch::All,
                filter: &filter,
                order: IndexOrder::Newest,
                offset: 0,
                before: keyset.last().map(String::as_str),
                limit: 7,
            })
            .unwrap();
        assert_eq!(found.total, wanted.len());
        if found.hits.is_empty() {
            break;
        }
        keyset.extend(found.hits.into_iter().map(|h| h.id));
    }
    assert_eq!(keyset, expected);
    // Cheapest first, records without an amount last.
    let by_amount = page(IndexOrder::AmountAscending, 0, 1_000);
    let amounts: Vec<Option<i64>> = by_amount
        .hits
        .iter()
        .map(|h| docs.iter().find(|d| d.id == h.id).unwrap().facets.amount)
        .collect();
    let priced: Vec<i64> = amounts.iter().map_while(|a| *a).collect();
    assert!(priced.windows(2).all(|w| w[0] <= w[1]), "{amounts:?}");
    assert!(amounts[priced.len()..].iter().all(Option::is_none), "{amounts:?}");
    assert_eq!(amounts.len(), wanted.len());
    // A range keeps only records with an amount inside it.
    let cheap = IndexFilter::Within { number: Number::Amount, min: Some(10), max: Some(19) };
    let hits = index
        .page(&PageQuery {
            library: Library::Experts,
            text: Some("电池"),
            words: WordMatch::All,
            filter: &cheap,
            order: IndexOrder::Relevance,
            offset: 0,
            before: None,
            limit: 1_000,
        })
        .unwrap();
    let in_range = docs.iter().filter(|d| d.facets.amount.is_some_and(|a| (10..=19).contains(&a)));
    assert_eq!(hits.total, in_range.count());
    // Past the last hit: an empty page that still counts.
    let beyond = page(IndexOrder::Relevance, 10_000, 10);
    assert!(beyond.hits.is_empty());
    assert_eq!(beyond.total, wanted.len());
}

/// Issue 16's case: a word in 50,000 records and a filter that leaves 30 of them. Every one
/// of the 30 comes back, best match first, page by page to the end, and the total says 30 —
/// however far down the unfiltered ranking the 30 lie.
#[test]
fn a_filter_leaving_30_of_50000_hits_pages_through_all_30_by_relevance() {
    let index = SearchIndex::in_memory().unwrap();
    let docs: Vec<SearchDoc> = (1..=50_000)
        .map(|n| {
            let region = if n % 1_000 == 7 && n <= 30_000 { "33" } else { "44" };
            let mut doc = faceted(n, "published", region, None);
            // The word once to six times: relevance differs from record to record.
            doc.body = format!("{} {n}", "电池 ".repeat(usize::try_from(n % 6 + 1).unwrap()));
            doc
        })
        .collect();
    index.upsert_many(&docs).unwrap();
    let filter = IndexFilter::AllOf(vec![
        IndexFilter::term("status", "published"),
        IndexFilter::term("region", "33"),
    ]);
    let mut found: Vec<Hit> = Vec::new();
    for offset in (0..60).step_by(8) {
        let page = index
            .page(&PageQuery {
                library: Library::Experts,
                text: Some("电池"),
                words: WordMatch::All,
                filter: &filter,
                order: IndexOrder::Relevance,
                offset,
                before: None,
                limit: 8,
            })
            .unwrap();
        assert_eq!(page.total, 30);
        found.extend(page.hits);
    }
    let mut ids: Vec<String> = found.iter().map(|hit| hit.id.clone()).collect();
    assert!(found.windows(2).all(|pair| pair[0].score >= pair[1].score), "best match first");
    ids.sort_unstable();
    let mut wanted: Vec<String> = docs
        .iter()
        .filter(|doc| doc.facets.terms.contains(&"region=33".to_owned()))
        .map(|doc| doc.id.clone())
        .collect();
    wanted.sort_unstable();
    assert_eq!(wanted.len(), 30);
    assert_eq!(ids, wanted, "every one of the 30, each once");
}
