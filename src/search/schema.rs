//! The index's schema: the text fields searched, the facets filtered on and the fast fields
//! sorted by, and a record's document in it.

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::analyzer::ANALYZER_NAME;
use super::facets::{FacetFields, order_key};
use super::{Library, SearchDoc};
use crate::meaning::Vector;

/// The fast fields ordering documents newest first: the high and low halves of
/// [`order_key`].
pub(super) const ORDER_HIGH_FIELD: &str = "order_high";
pub(super) const ORDER_LOW_FIELD: &str = "order_low";
/// The fast field holding a record's price or budget.
pub(super) const AMOUNT_FIELD: &str = "amount";
/// The fast field holding what an achievement's or a demand's text means (a sentence vector).
pub(super) const MEANING_FIELD: &str = "meaning";

/// The schema's fields.
#[derive(Clone, Copy)]
pub(super) struct Fields {
    pub(super) id: Field,
    pub(super) library: Field,
    pub(super) title: Field,
    pub(super) keywords: Field,
    pub(super) body: Field,
    /// Title, keywords and body as one text, one field per library (in [`Library::ALL`]
    /// order, only the record's own library's filled): what a problem is matched against, with
    /// one BM25 over the whole record (boosting short fields lets a common word in a title
    /// outweigh the record's subject). A field per library makes a match query a plain union
    /// of the problem's terms, with no library clause to intersect it with.
    pub(super) whole_text: [Field; 4],
    pub(super) facets: FacetFields,
    pub(super) order_high: Field,
    pub(super) order_low: Field,
    /// What the record's text means ([`crate::meaning::Vector`]; achievements and demands).
    pub(super) meaning: Field,
}

impl Fields {
    /// The whole-text field of a library's records.
    pub(super) fn whole_text_of(&self, library: Library) -> Field {
        let at = Library::ALL.iter().position(|l| *l == library).unwrap_or_default();
        self.whole_text[at]
    }
}

/// The schema the index is built with, and its fields.
pub(super) fn schema() -> (Schema, Fields) {
    let text = |record: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(ANALYZER_NAME).set_index_option(record),
        )
    };
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        library: builder.add_text_field("library", STRING),
        title: builder.add_text_field("title", text(IndexRecordOption::WithFreqsAndPositions)),
        keywords: builder.add_text_field("keywords", text(IndexRecordOption::WithFreqs)),
        body: builder.add_text_field("body", text(IndexRecordOption::WithFreqs)),
        whole_text: Library::ALL.map(|library| {
            let name = format!("whole_text_{}", library.as_str());
            builder.add_text_field(&name, text(IndexRecordOption::WithFreqs))
        }),
        facets: FacetFields {
            terms: builder.add_text_field("facets", STRING),
            valid_until: builder.add_i64_field("valid_until", INDEXED | FAST),
            amount: builder.add_i64_field(AMOUNT_FIELD, INDEXED | FAST),
            amount_low: builder.add_i64_field("amount_low", INDEXED),
        },
        order_high: builder.add_u64_field(ORDER_HIGH_FIELD, FAST),
        order_low: builder.add_u64_field(ORDER_LOW_FIELD, FAST),
        meaning: builder.add_bytes_field(MEANING_FIELD, FAST),
    };
    (builder.build(), fields)
}

/// The text of a record whose meaning is kept, as the encoder reads it: title, keywords and the
/// start of the body (the records matching ranks: achievements and demands).
pub(super) fn meaning_text(doc: &SearchDoc) -> Option<String> {
    doc.library
        .keeps_meaning()
        .then(|| format!("{}。{}。{}", doc.title, doc.keywords.join("、"), doc.body))
}

/// The tantivy document for `doc` (with what its text means, if it is kept); each keyword is a
/// separate value of the keywords field.
pub(super) fn to_document(
    doc: &SearchDoc,
    meaning: Option<&Vector>,
    fields: &Fields,
) -> TantivyDocument {
    let mut out = TantivyDocument::default();
    out.add_text(fields.id, &doc.id);
    out.add_text(fields.library, doc.library.as_str());
    out.add_text(fields.title, &doc.title);
    for keyword in &doc.keywords {
        out.add_text(fields.keywords, keyword);
    }
    out.add_text(fields.body, &doc.body);
    let whole_text = fields.whole_text_of(doc.library);
    out.add_text(whole_text, &doc.title);
    for keyword in &doc.keywords {
        out.add_text(whole_text, keyword);
    }
    out.add_text(whole_text, &doc.body);
    for term in &doc.facets.terms {
        out.add_text(fields.facets.terms, term);
    }
    out.add_i64(fields.facets.valid_until, doc.facets.valid_until);
    if let Some(amount) = doc.facets.amount {
        out.add_i64(fields.facets.amount, amount);
    }
    if let Some(amount) = doc.facets.amount_low {
        out.add_i64(fields.facets.amount_low, amount);
    }
    let (high, low) = order_key(&doc.id);
    out.add_u64(fields.order_high, high);
    out.add_u64(fields.order_low, low);
    if let Some(meaning) = meaning {
        out.add_bytes(fields.meaning, &meaning.to_bytes());
    }
    out
}
