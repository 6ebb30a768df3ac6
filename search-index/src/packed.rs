//! Page records kept small while a build does other work: each record's
//! JSON, LZ4-compressed, read back a chunk at a time when the index is made.
//!
//! A record is mostly its page's text, which compresses about twofold, and
//! its strings and maps cost more in memory than their bytes. A build holds
//! every page's record from the rendering of its Markdown to the search
//! index, while it also holds every page's template values; packed, the
//! records take a fraction of that memory (`docs/benchmarks.md`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
    bytes: Bytes,
}

/// Where a packed record's bytes are.
#[derive(Debug)]
enum Bytes {
    Memory(Box<[u8]>),
    Spilled {
        spill: Arc<Spill>,
        offset: u64,
        len: u32,
    },
}

/// A file that packed records (and a build's other bytes that wait, such
/// as pages' compressed HTML) are written to instead of memory, from the
/// rendering of a page's Markdown to the search index. It is removed from
/// its folder as soon as it is made (where the system allows: Unix), so
/// that nothing is left behind, even by a build that is killed; the kernel
/// can keep its pages on disk while the build needs memory for everything
/// else.
#[derive(Debug)]
pub struct Spill {
    file: std::fs::File,
    path: PathBuf,
    end: AtomicU64,
}

impl Spill {
    /// A spill file in `dir` (made if missing), or `None` where one cannot
    /// be made or removed from its folder once open (then records stay in
    /// memory, as without one).
    pub fn create(dir: &Path) -> Option<Arc<Spill>> {
        if !cfg!(unix) {
            return None;
        }
        std::fs::create_dir_all(dir).ok()?;
        let path = dir.join(format!("records-{}.spill", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .ok()?;
        std::fs::remove_file(&path).ok()?;
        Some(Arc::new(Spill {
            file,
            path,
            end: AtomicU64::new(0),
        }))
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.end.load(Ordering::Relaxed)
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes `bytes` after what other calls wrote (threads write at once,
    /// each in a range of its own); returns their offset, for
    /// [`Spill::read`].
    pub fn write(&self, bytes: &[u8]) -> std::io::Result<u64> {
        let at = self.end.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::write_all_at(&self.file, bytes, at)?;
            Ok(at)
        }
        #[cfg(not(unix))]
        {
            let _ = at;
            Err(std::io::ErrorKind::Unsupported.into())
        }
    }

    /// The `len` bytes written at `offset`.
    pub fn read(&self, offset: u64, len: u32) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0; len as usize];
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::read_exact_at(&self.file, &mut buf, offset)?;
            Ok(buf)
        }
        #[cfg(not(unix))]
        {
            let _ = offset;
            Err(std::io::ErrorKind::Unsupported.into())
        }
    }
}

impl PackedRecord {
    /// Packs `page`.
    pub fn new(page: &PageRecord) -> PackedRecord {
        PackedRecord::packed(page, None)
    }

    /// Packs `page` into `spill` (in memory if writing fails).
    pub fn spilled(page: &PageRecord, spill: &Arc<Spill>) -> PackedRecord {
        PackedRecord::packed(page, Some(spill))
    }

    fn packed(page: &PageRecord, spill: Option<&Arc<Spill>>) -> PackedRecord {
        // Serialising plain strings and maps cannot fail.
        let json = serde_json::to_vec(page).unwrap_or_default();
        let packed = lz4_flex::compress_prepend_size(&json);
        let bytes = match spill {
            Some(spill) if u32::try_from(packed.len()).is_ok() => match spill.write(&packed) {
                Ok(offset) => Bytes::Spilled {
                    spill: Arc::clone(spill),
                    offset,
                    len: packed.len() as u32,
                },
                Err(_) => Bytes::Memory(packed.into_boxed_slice()),
            },
            _ => Bytes::Memory(packed.into_boxed_slice()),
        };
        PackedRecord {
            lang: page.lang.clone(),
            url: page.url.clone(),
            title: page.title.clone(),
            description: page.description.clone(),
            bytes,
        }
    }

    /// The record's JSON, as `serde_json::to_vec` wrote it.
    pub(crate) fn json(&self) -> Result<Vec<u8>, Error> {
        let unpack = |e: String| Error::Unpack {
            url: self.url.clone(),
            message: e,
        };
        let read;
        let bytes: &[u8] = match &self.bytes {
            Bytes::Memory(b) => b,
            Bytes::Spilled { spill, offset, len } => {
                read = spill.read(*offset, *len).map_err(|e| {
                    unpack(format!("{} (removed once open): {e}", spill.path.display()))
                })?;
                &read
            }
        };
        lz4_flex::decompress_size_prepended(bytes).map_err(|e| unpack(e.to_string()))
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
    fn spilled_records_come_back_and_leave_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let spill = Spill::create(&cache).expect("a spill file on Unix");
        assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 0);
        let pages: Vec<PageRecord> = (0..300).map(record).collect();
        let mut packed = PackedRecords::new();
        let made: Vec<PackedRecord> = pages
            .par_iter()
            .map(|p| PackedRecord::spilled(p, &spill))
            .collect();
        for p in made {
            assert!(matches!(p.bytes, Bytes::Spilled { .. }));
            packed.push_packed(p);
        }
        assert!(!spill.is_empty());
        assert_eq!(packed.unpack().unwrap(), pages);
        // A file that lost its bytes is an error naming the page.
        spill.file.set_len(0).unwrap();
        let err = packed.unpack().unwrap_err();
        assert!(err.to_string().contains("p/"), "{err}");
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        let mut packed = PackedRecords::new();
        packed.push(&record(3));
        packed.items[0].bytes = Bytes::Memory(vec![16, 0, 0, 0, 0xff, 0xff].into_boxed_slice());
        let err = packed.unpack().unwrap_err();
        assert!(err.to_string().contains("p/3/"), "{err}");
    }
}
