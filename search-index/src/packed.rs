//! Page records kept small while a build does other work: each record's
//! JSON, LZ4-compressed, read back a chunk at a time when the index is made.
//!
//! A record is mostly its page's text, which compresses about twofold, and
//! its strings and maps cost more in memory than their bytes. A build holds
//! every page's record from the rendering of its Markdown to the search
//! index, while it also holds every page's template values; packed, the
//! records take a fraction of that memory (`docs/benchmarks.md`).

use rayon::prelude::*;

use crate::{Error, PageRecord};

/// Page records, packed. Made with [`PackedRecords::push`] (or collected),
/// handed to [`crate::build_packed`].
#[derive(Debug, Default)]
pub struct PackedRecords {
    pub(crate) items: Vec<PackedRecord>,
}

/// One packed record, with what grouping and sorting need left unpacked.
#[derive(Debug)]
pub struct PackedRecord {
    pub(crate) lang: String,
    pub(crate) url: String,
    pub(crate) title: String,
    pub(crate) description: String,
    /// `serde_json::to_vec(record)`, LZ4-compressed with its size first.
    bytes: Box<[u8]>,
}

impl PackedRecord {
    /// Packs `page`.
    pub fn new(page: &PageRecord) -> PackedRecord {
        // Serialising plain strings and maps cannot fail.
        let json = serde_json::to_vec(page).unwrap_or_default();
        PackedRecord {
            lang: page.lang.clone(),
            url: page.url.clone(),
            title: page.title.clone(),
            description: page.description.clone(),
            bytes: lz4_flex::compress_prepend_size(&json).into_boxed_slice(),
        }
    }

    /// The record's JSON, as `serde_json::to_vec` wrote it.
    pub(crate) fn json(&self) -> Result<Vec<u8>, Error> {
        lz4_flex::decompress_size_prepended(&self.bytes).map_err(|e| Error::Unpack {
            url: self.url.clone(),
            message: e.to_string(),
        })
    }

    /// The record.
    pub(crate) fn record(&self) -> Result<PageRecord, Error> {
        serde_json::from_slice(&self.json()?).map_err(|e| Error::Unpack {
            url: self.url.clone(),
            message: e.to_string(),
        })
    }
}

impl PackedRecords {
    /// No records.
    pub fn new() -> PackedRecords {
        PackedRecords::default()
    }

    /// Packs `page` and adds it.
    pub fn push(&mut self, page: &PageRecord) {
        self.items.push(PackedRecord::new(page));
    }

    /// Adds a record packed already.
    pub fn push_packed(&mut self, page: PackedRecord) {
        self.items.push(page);
    }

    /// Packs `pages` in parallel.
    pub fn from_records(pages: &[PageRecord]) -> PackedRecords {
        PackedRecords {
            items: pages.par_iter().map(PackedRecord::new).collect(),
        }
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The records, unpacked, in the order they were added.
    pub fn unpack(&self) -> Result<Vec<PageRecord>, Error> {
        self.items.par_iter().map(PackedRecord::record).collect()
    }
}

/// What is handed each chunk of pages.
pub(crate) type ChunkFn<'f> = &'f mut dyn FnMut(&[&PageRecord]) -> Result<(), Error>;

/// [`Pages::for_each_chunk`] of records it owns, each chunk of which it
/// drops after `f`.
pub(crate) fn drain_chunks(pages: Vec<PackedRecord>, n: usize, f: ChunkFn) -> Result<(), Error> {
    let mut pages = pages.into_iter();
    loop {
        let chunk: Vec<PackedRecord> = pages.by_ref().take(n.max(1)).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        let refs: Vec<&PackedRecord> = chunk.iter().collect();
        Pages::Packed(&refs).for_each_chunk(n, f)?;
    }
}

/// The pages of one language, in index order, as records or packed: what
/// the tantivy index and the export's model read, a chunk at a time.
#[derive(Clone, Copy)]
pub(crate) enum Pages<'a> {
    Records(&'a [&'a PageRecord]),
    Packed(&'a [&'a PackedRecord]),
}

impl Pages<'_> {
    /// Calls `f` with consecutive chunks of at most `n` pages, in order (a
    /// packed chunk is unpacked in parallel, and dropped after `f`).
    pub(crate) fn for_each_chunk(&self, n: usize, f: ChunkFn) -> Result<(), Error> {
        match self {
            Pages::Records(r) => r.chunks(n.max(1)).try_for_each(f),
            Pages::Packed(p) => p.chunks(n.max(1)).try_for_each(|chunk| {
                let records: Vec<PageRecord> = chunk
                    .par_iter()
                    .map(|p| p.record())
                    .collect::<Result<_, _>>()?;
                let refs: Vec<&PageRecord> = records.iter().collect();
                f(&refs)
            }),
        }
    }

    /// Calls `f` with each page's JSON (`serde_json::to_vec` of its
    /// record), in order.
    pub(crate) fn for_each_json(&self, f: &mut dyn FnMut(&[u8])) -> Result<(), Error> {
        match self {
            Pages::Records(r) => {
                for page in r.iter() {
                    // Serialising plain strings and maps cannot fail.
                    f(&serde_json::to_vec(page).unwrap_or_default());
                }
                Ok(())
            }
            Pages::Packed(p) => {
                for chunk in p.chunks(256) {
                    let jsons: Vec<Vec<u8>> = chunk
                        .par_iter()
                        .map(|p| p.json())
                        .collect::<Result<_, _>>()?;
                    for json in &jsons {
                        f(json);
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: usize) -> PageRecord {
        PageRecord {
            url: format!("p/{i}/"),
            title: format!("Page \"{i}\" é"),
            description: String::new(),
            lang: "en".into(),
            date: i.is_multiple_of(2).then(|| "2024-01-02".into()),
            taxonomies: [("regions".to_string(), vec!["Africa".to_string()])].into(),
            sections: vec![crate::SectionRecord {
                anchor: Some("a".into()),
                heading: "Heading".into(),
                level: 2,
                text: "incident response teams ".repeat(i % 7 + 1),
                code: String::new(),
            }],
        }
    }

    #[test]
    fn records_come_back_as_they_went_in() {
        let pages: Vec<PageRecord> = (0..600).map(record).collect();
        let packed = PackedRecords::from_records(&pages);
        assert_eq!(packed.len(), 600);
        assert_eq!(packed.unpack().unwrap(), pages);
        let refs: Vec<&PackedRecord> = packed.items.iter().collect();
        let mut seen = Vec::new();
        Pages::Packed(&refs)
            .for_each_chunk(256, &mut |chunk| {
                assert!(chunk.len() <= 256);
                seen.extend(chunk.iter().map(|p| (*p).clone()));
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, pages);
        let mut jsons = Vec::new();
        Pages::Packed(&refs)
            .for_each_json(&mut |j| jsons.push(j.to_vec()))
            .unwrap();
        let direct: Vec<Vec<u8>> = pages
            .iter()
            .map(|p| serde_json::to_vec(p).unwrap())
            .collect();
        assert_eq!(jsons, direct);
        let mut drained = Vec::new();
        drain_chunks(packed.items, 256, &mut |chunk| {
            assert!(chunk.len() <= 256);
            drained.extend(chunk.iter().map(|p| (*p).clone()));
            Ok(())
        })
        .unwrap();
        assert_eq!(drained, pages);
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        let mut packed = PackedRecords::new();
        packed.push(&record(3));
        packed.items[0].bytes = vec![16, 0, 0, 0, 0xff, 0xff].into_boxed_slice();
        let err = packed.unpack().unwrap_err();
        assert!(err.to_string().contains("p/3/"), "{err}");
    }
}
