//! Loads a feed mirror: a directory tree of feed files and archives, recognised by content.
//!
//! The walk opens zip, tar, tar.gz and tar.zst archives (and archives inside them, two levels
//! deep) as if they were folders, and decompresses single `.gz` and `.zst` files. A file is
//! recognised by its content: a JSON or YAML object with an `id` and `affected` or `modified`
//! is an OSV record; `catalogVersion` with `vulnerabilities` is the KEV catalog; a list of
//! cycles, an API v1 document, a page's front matter with `releases`, or a JSON object of such
//! front matters is endoflife.date data; `version,codename,series,created,release,eol` opens a
//! distro-info table; `distroversion` with `packages` is Alpine secdb. Only the Debian
//! tracker's lists are known by name (`DSA-list`, `DLA-list`). Everything else is skipped and
//! counted.
//!
//! A feed is one kind of data from one origin: the archive it was found in, or else the
//! top-level folder (or file) under the mirror's root. A feed is imported whole or not at all:
//! when any of its files fails to parse, all its records are dropped and every bad file is
//! reported. A JSON or YAML file that does not parse at all cannot be told apart, so it counts
//! against every feed of its origin. Paths inside archives are written `archive!inner/path`.
//!
//! Bounds: a file larger than [`MAX_FILE_BYTES`] once decompressed is an error, and so is an
//! archive holding more than [`MAX_ARCHIVE_ENTRIES`] entries or [`MAX_ARCHIVE_BYTES`] bytes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IgnoredAny;
use steward_core::assessment::advisory::Advisory;

use super::eol::LifecycleProduct;
use super::kev::KevEntry;
use super::{MAX_FILE_BYTES, ReadError, alpine_secdb, debian_tracker, eol, kev, osv};

/// The most entries one archive may hold, nested archives' entries included.
pub const MAX_ARCHIVE_ENTRIES: usize = 200_000;
/// The most bytes one archive may hold once decompressed: 2 GiB.
pub const MAX_ARCHIVE_BYTES: u64 = 2 << 30;
/// How deep archives inside archives are opened.
const MAX_NESTING: usize = 2;

/// Everything read from a mirror.
#[derive(Debug, Default)]
pub struct Mirror {
    /// Advisories of every imported feed, one per id (the latest `modified` wins).
    pub advisories: Vec<Advisory>,
    /// Known-exploited vulnerabilities, one per CVE.
    pub kev: Vec<KevEntry>,
    /// Lifecycle products, one per (source, name).
    pub lifecycle: Vec<LifecycleProduct>,
    /// Files that are not feeds.
    pub skipped: usize,
    /// Every file that could not be read, with its error.
    pub errors: Vec<FeedError>,
    /// What each feed held, and whether it was imported.
    pub feeds: Vec<FeedCount>,
}

impl Mirror {
    /// Records read from the imported feeds of one kind, before duplicates were joined.
    pub fn records(&self, kind: FeedKind) -> usize {
        self.feeds
            .iter()
            .filter(|feed| feed.kind == kind && feed.imported)
            .map(|feed| feed.records)
            .sum()
    }
}

/// Everything read from a mirror, feed by feed.
#[derive(Debug, Default)]
pub struct MirrorFeeds {
    /// Every feed found, with its records when it was imported (none otherwise).
    pub feeds: Vec<FeedRecords>,
    /// Files that are not feeds.
    pub skipped: usize,
    /// Every file that could not be read, with its error.
    pub errors: Vec<FeedError>,
}

/// One feed and its records.
#[derive(Debug)]
pub struct FeedRecords {
    /// What it held, and whether it was imported.
    pub count: FeedCount,
    /// Its advisories (Alpine secdb files of one release already merged).
    pub advisories: Vec<Advisory>,
    /// Its KEV entries.
    pub kev: Vec<KevEntry>,
    /// Its lifecycle products.
    pub lifecycle: Vec<LifecycleProduct>,
}

/// A file that could not be read: its path (`archive!inner/path` inside archives) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct FeedError {
    /// The file, or the archive entry.
    pub path: String,
    /// What went wrong, with line or field where known.
    pub message: String,
}

/// The kinds of feed a mirror may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeedKind {
    /// OSV records (JSON or YAML).
    Osv,
    /// The CISA KEV catalog.
    Kev,
    /// endoflife.date product data.
    EndOfLifeDate,
    /// distro-info CSV tables.
    DistroInfo,
    /// The Debian security tracker's DSA and DLA lists.
    DebianTracker,
    /// Alpine secdb files.
    AlpineSecdb,
}

impl FeedKind {
    /// The feed kind's name: `osv`, `kev`, `endoflife.date`, `distro-info`, `debian-tracker`,
    /// `alpine-secdb`.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Osv => "osv",
            FeedKind::Kev => "kev",
            FeedKind::EndOfLifeDate => "endoflife.date",
            FeedKind::DistroInfo => "distro-info",
            FeedKind::DebianTracker => "debian-tracker",
            FeedKind::AlpineSecdb => "alpine-secdb",
        }
    }
}

/// One feed: its kind, its origin, how many files and records it held, and whether it was
/// imported (it was not when any of its files failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedCount {
    /// The kind of data.
    pub kind: FeedKind,
    /// The archive or top-level folder it came from.
    pub origin: String,
    /// Files recognised as this feed.
    pub files: usize,
    /// Records read (advisories, KEV entries or lifecycle products).
    pub records: usize,
    /// Whether its records are in the [`Mirror`].
    pub imported: bool,
}

/// Progress of a load, reported after each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Files (and archive entries) looked at so far.
    pub files_seen: usize,
    /// Records read so far.
    pub records: usize,
}

/// Walks the mirror at `root`, calling `progress` after each file. Fails only when `root`
/// itself cannot be read; every other problem is reported in [`Mirror::errors`].
pub fn load(root: &Path, progress: impl FnMut(Progress)) -> Result<Mirror, FeedError> {
    Ok(walk_mirror(root, progress)?.join())
}

fn walk_mirror(root: &Path, progress: impl FnMut(Progress)) -> Result<MirrorFeeds, FeedError> {
    let mut walk = Walk {
        root: root.to_path_buf(),
        feeds: BTreeMap::new(),
        origin_errors: BTreeMap::new(),
        skipped: 0,
        seen: Progress {
            files_seen: 0,
            records: 0,
        },
        progress,
    };
    let metadata = std::fs::metadata(root).map_err(|err| FeedError {
        path: root.display().to_string(),
        message: format!("cannot read the mirror: {err}"),
    })?;
    if metadata.is_dir() {
        walk.dir(root);
    } else {
        walk.disk_file(root);
    }
    Ok(walk.finish())
}

/// Walks the mirror at `root` like [`load`], but keeps each feed's records apart, so that a
/// store can replace one feed at a time.
pub fn load_feeds(root: &Path, progress: impl FnMut(Progress)) -> Result<MirrorFeeds, FeedError> {
    walk_mirror(root, progress)
}

/// What one recognised file held.
enum Records {
    Advisories(Vec<Advisory>),
    Kev(Vec<KevEntry>),
    Lifecycle(Vec<LifecycleProduct>),
}

impl Records {
    fn len(&self) -> usize {
        match self {
            Records::Advisories(list) => list.len(),
            Records::Kev(list) => list.len(),
            Records::Lifecycle(list) => list.len(),
        }
    }
}

#[derive(Default)]
struct Feed {
    files: usize,
    records: Vec<Records>,
    errors: Vec<FeedError>,
}

/// Where a file sits: its display path and its feed origin.
#[derive(Clone)]
struct Place {
    path: String,
    origin: String,
}

impl Place {
    fn inside(&self, name: &str) -> Place {
        Place {
            path: format!("{}!{name}", self.path),
            origin: self.origin.clone(),
        }
    }
}

/// Bytes and entries read from one top-level archive so far.
#[derive(Default)]
struct Budget {
    entries: usize,
    bytes: u64,
}

struct Walk<P> {
    root: PathBuf,
    feeds: BTreeMap<(FeedKind, String), Feed>,
    origin_errors: BTreeMap<String, Vec<FeedError>>,
    skipped: usize,
    seen: Progress,
    progress: P,
}

impl<P: FnMut(Progress)> Walk<P> {
    fn dir(&mut self, dir: &Path) {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => return self.origin_error(&self.place_of(dir), err.to_string()),
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => self.dir(&path),
                Ok(meta) if meta.is_file() || meta.file_type().is_symlink() => {
                    // A symlink is followed only to a file, so a link cannot make a loop.
                    if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                        self.disk_file(&path);
                    } else {
                        self.skip();
                    }
                }
                Ok(_) => self.skip(),
                Err(err) => self.origin_error(&self.place_of(&path), err.to_string()),
            }
        }
    }

    fn place_of(&self, path: &Path) -> Place {
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        let origin = match relative.components().next() {
            Some(first) => first.as_os_str().to_string_lossy().into_owned(),
            None => path.display().to_string(),
        };
        Place {
            path: path.display().to_string(),
            origin,
        }
    }

    fn disk_file(&mut self, path: &Path) {
        let mut place = self.place_of(path);
        let name = file_name(&place.path).to_owned();
        if let Some(kind) = ArchiveKind::of(&name) {
            // Everything in an archive belongs to the archive's own feeds.
            let relative = path.strip_prefix(&self.root).unwrap_or(path);
            place.origin = relative.display().to_string();
            let mut budget = Budget::default();
            let result = File::open(path)
                .map_err(|err| err.to_string())
                .and_then(|file| self.archive(kind, file, &place, 0, &mut budget));
            if let Err(message) = result {
                self.origin_error(&place, message);
            }
            return;
        }
        if !is_candidate(decompressed_name(&name)) {
            return self.skip();
        }
        let bytes = File::open(path)
            .map_err(|err| err.to_string())
            .and_then(|file| {
                let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                read_file(&name, file, size)
            });
        match bytes {
            Ok(bytes) => self.file(&place, decompressed_name(&name), &bytes),
            Err(message) => self.origin_error(&place, message),
        }
    }

    /// Walks one archive, read from `reader`; entries are visited as files.
    fn archive<R: Read + Seek>(
        &mut self,
        kind: ArchiveKind,
        reader: R,
        place: &Place,
        depth: usize,
        budget: &mut Budget,
    ) -> Result<(), String> {
        match kind {
            ArchiveKind::Zip => self.zip(reader, place, depth, budget),
            ArchiveKind::Tar => self.tar(reader, place, depth, budget),
            ArchiveKind::TarGz => {
                let decoder = flate2::read::MultiGzDecoder::new(BufReader::new(reader));
                self.tar(decoder, place, depth, budget)
            }
            ArchiveKind::TarZst => {
                let decoder = ZstdFrames::new(BufReader::new(reader));
                self.tar(decoder, place, depth, budget)
            }
        }
    }

    fn tar<R: Read>(
        &mut self,
        reader: R,
        place: &Place,
        depth: usize,
        budget: &mut Budget,
    ) -> Result<(), String> {
        let mut archive = tar::Archive::new(reader);
        let entries = archive
            .entries()
            .map_err(|err| format!("not a tar archive: {err}"))?;
        for entry in entries {
            let entry = entry.map_err(|err| format!("broken tar archive: {err}"))?;
            let size = entry.header().size().unwrap_or(0);
            budget.spend(size)?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = entry
                .path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.entry(entry, &name, size, place, depth, budget);
        }
        Ok(())
    }

    fn zip<R: Read + Seek>(
        &mut self,
        reader: R,
        place: &Place,
        depth: usize,
        budget: &mut Budget,
    ) -> Result<(), String> {
        let mut archive =
            zip::ZipArchive::new(reader).map_err(|err| format!("not a zip archive: {err}"))?;
        for index in 0..archive.len() {
            let entry = archive
                .by_index(index)
                .map_err(|err| format!("broken zip archive: {err}"))?;
            budget.spend(entry.size())?;
            if !entry.is_file() {
                continue;
            }
            let name = entry
                .name()
                .map_err(|err| format!("broken zip entry name: {err}"))?
                .into_owned();
            let size = entry.size();
            self.entry(entry, &name, size, place, depth, budget);
        }
        Ok(())
    }

    /// One regular file inside an archive.
    fn entry(
        &mut self,
        reader: impl Read,
        name: &str,
        size: u64,
        outer: &Place,
        depth: usize,
        budget: &mut Budget,
    ) {
        let place = outer.inside(name);
        let base = file_name(name);
        if let Some(kind) = ArchiveKind::of(base) {
            if depth >= MAX_NESTING {
                return self.skip();
            }
            let nested = read_bounded(reader, size).and_then(|bytes| {
                self.archive(kind, Cursor::new(bytes), &place, depth + 1, budget)
            });
            if let Err(message) = nested {
                self.origin_error(&place, message);
            }
            return;
        }
        if !is_candidate(decompressed_name(base)) {
            return self.skip();
        }
        match read_file(base, reader, size) {
            Ok(bytes) => {
                let spent = if is_compressed(base) {
                    budget.spend(bytes.len() as u64)
                } else {
                    Ok(())
                };
                match spent {
                    Ok(()) => self.file(&place, decompressed_name(base), &bytes),
                    Err(message) => self.origin_error(&place, message),
                }
            }
            Err(message) => self.origin_error(&place, message),
        }
    }

    /// One file's content, under its name with any `.gz` or `.zst` taken off.
    fn file(&mut self, place: &Place, name: &str, bytes: &[u8]) {
        match recognise(name, bytes) {
            Recognised::NotAFeed => self.skip(),
            Recognised::Unparsable(err) => self.origin_error(place, err.to_string()),
            Recognised::Feed(kind) => {
                let read = parse(kind, name, bytes);
                let feed = self.feeds.entry((kind, place.origin.clone())).or_default();
                feed.files += 1;
                match read {
                    Ok(records) => {
                        self.seen.records += records.len();
                        feed.records.push(records);
                    }
                    Err(err) => feed.errors.push(FeedError {
                        path: place.path.clone(),
                        message: err.to_string(),
                    }),
                }
                self.tick();
            }
        }
    }

    fn skip(&mut self) {
        self.skipped += 1;
        self.tick();
    }

    fn tick(&mut self) {
        self.seen.files_seen += 1;
        (self.progress)(self.seen);
    }

    fn origin_error(&mut self, place: &Place, message: String) {
        let error = FeedError {
            path: place.path.clone(),
            message,
        };
        self.origin_errors
            .entry(place.origin.clone())
            .or_default()
            .push(error);
        self.tick();
    }

    fn finish(self) -> MirrorFeeds {
        let mut loaded = MirrorFeeds {
            skipped: self.skipped,
            ..MirrorFeeds::default()
        };
        for ((kind, origin), feed) in self.feeds {
            let origin_failed = self.origin_errors.contains_key(&origin);
            let imported = feed.errors.is_empty() && !origin_failed;
            let records = feed.records.iter().map(Records::len).sum();
            loaded.errors.extend(feed.errors);
            let mut contents = FeedRecords {
                count: FeedCount {
                    kind,
                    origin,
                    files: feed.files,
                    records,
                    imported,
                },
                advisories: Vec::new(),
                kev: Vec::new(),
                lifecycle: Vec::new(),
            };
            if imported {
                for records in feed.records {
                    match records {
                        Records::Advisories(list) => contents.advisories.extend(list),
                        Records::Kev(list) => contents.kev.extend(list),
                        Records::Lifecycle(list) => contents.lifecycle.extend(list),
                    }
                }
                if kind == FeedKind::AlpineSecdb {
                    contents.advisories = alpine_secdb::merge(contents.advisories);
                }
            }
            loaded.feeds.push(contents);
        }
        loaded
            .errors
            .extend(self.origin_errors.into_values().flatten());
        loaded
    }
}

impl MirrorFeeds {
    /// Joins the imported feeds into one [`Mirror`]: advisories by id (the later `modified`
    /// wins), KEV entries by CVE, lifecycle products by (source, name).
    fn join(self) -> Mirror {
        let mut mirror = Mirror {
            skipped: self.skipped,
            errors: self.errors,
            ..Mirror::default()
        };
        let mut advisories = Advisories::default();
        let mut kev: HashMap<String, usize> = HashMap::new();
        let mut products: BTreeSet<(String, String)> = BTreeSet::new();
        for feed in self.feeds {
            mirror.feeds.push(feed.count);
            add_kev(&mut mirror.kev, &mut kev, feed.kev);
            for product in feed.lifecycle {
                let key = (product.source.clone(), product.name.clone());
                if products.insert(key) {
                    mirror.lifecycle.push(product);
                }
            }
            feed.advisories.into_iter().for_each(|a| advisories.add(a));
        }
        mirror.advisories = advisories.list;
        mirror
    }
}

impl Budget {
    fn spend(&mut self, bytes: u64) -> Result<(), String> {
        self.entries += 1;
        self.bytes = self.bytes.saturating_add(bytes);
        if self.entries > MAX_ARCHIVE_ENTRIES {
            return Err(format!(
                "archive holds more than {MAX_ARCHIVE_ENTRIES} entries"
            ));
        }
        if self.bytes > MAX_ARCHIVE_BYTES {
            return Err(format!("archive holds more than {MAX_ARCHIVE_BYTES} bytes"));
        }
        Ok(())
    }
}

/// Advisories joined by id: the one with the later `modified` stays.
#[derive(Default)]
struct Advisories {
    list: Vec<Advisory>,
    index: HashMap<String, usize>,
}

impl Advisories {
    fn add(&mut self, advisory: Advisory) {
        match self.index.get(&advisory.id) {
            Some(&at) => {
                if advisory.modified > self.list[at].modified {
                    self.list[at] = advisory;
                }
            }
            None => {
                self.index.insert(advisory.id.clone(), self.list.len());
                self.list.push(advisory);
            }
        }
    }
}

/// Adds KEV entries, one per CVE; of two, the one added to the catalog later stays.
fn add_kev(list: &mut Vec<KevEntry>, index: &mut HashMap<String, usize>, entries: Vec<KevEntry>) {
    for entry in entries {
        match index.get(&entry.cve_id) {
            Some(&at) => {
                if entry.date_added > list[at].date_added {
                    list[at] = entry;
                }
            }
            None => {
                index.insert(entry.cve_id.clone(), list.len());
                list.push(entry);
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum ArchiveKind {
    Zip,
    Tar,
    TarGz,
    TarZst,
}

impl ArchiveKind {
    fn of(name: &str) -> Option<ArchiveKind> {
        let name = name.to_ascii_lowercase();
        if name.ends_with(".zip") {
            Some(ArchiveKind::Zip)
        } else if name.ends_with(".tar") {
            Some(ArchiveKind::Tar)
        } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(ArchiveKind::TarGz)
        } else if name.ends_with(".tar.zst") || name.ends_with(".tzst") {
            Some(ArchiveKind::TarZst)
        } else {
            None
        }
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn is_compressed(name: &str) -> bool {
    name.ends_with(".gz") || name.ends_with(".zst")
}

fn decompressed_name(name: &str) -> &str {
    name.strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(name)
}

/// Whether a (decompressed) file name may hold a feed; others are skipped unread.
fn is_candidate(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    debian_tracker::is_list_file_name(name)
        || [".json", ".yaml", ".yml", ".md", ".csv"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// Reads a file's bytes, decompressing `.gz` and `.zst`, refusing more than
/// [`MAX_FILE_BYTES`].
fn read_file(name: &str, reader: impl Read, size: u64) -> Result<Vec<u8>, String> {
    if name.ends_with(".gz") {
        read_bounded(flate2::read::MultiGzDecoder::new(reader), 0)
    } else if name.ends_with(".zst") {
        read_bounded(ZstdFrames::new(BufReader::new(reader)), 0)
    } else {
        read_bounded(reader, size)
    }
}

fn read_bounded(reader: impl Read, size_hint: u64) -> Result<Vec<u8>, String> {
    if size_hint > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size_hint).unwrap_or(0));
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| format!("cannot read: {err}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

fn too_large() -> String {
    format!("larger than {MAX_FILE_BYTES} bytes once decompressed")
}

/// A zstd stream of one or more frames, decoded without C code.
struct ZstdFrames<R: BufRead> {
    source: Option<R>,
    frame: Option<ruzstd::decoding::StreamingDecoder<R, ruzstd::decoding::FrameDecoder>>,
}

impl<R: BufRead> ZstdFrames<R> {
    fn new(source: R) -> Self {
        ZstdFrames {
            source: Some(source),
            frame: None,
        }
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(frame) = &mut self.frame {
                let n = frame.read(buf)?;
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                let finished = self.frame.take().map(|f| f.into_inner());
                self.source = finished;
            }
            let Some(mut source) = self.source.take() else {
                return Ok(0);
            };
            if source.fill_buf()?.is_empty() {
                return Ok(0);
            }
            let frame = ruzstd::decoding::StreamingDecoder::new(source)
                .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err.to_string()))?;
            self.frame = Some(frame);
        }
    }
}

enum Recognised {
    Feed(FeedKind),
    NotAFeed,
    Unparsable(ReadError),
}

/// Top-level keys of a JSON or YAML object, values skipped.
type Keys = BTreeMap<String, IgnoredAny>;

fn recognise(name: &str, bytes: &[u8]) -> Recognised {
    let lower = name.to_ascii_lowercase();
    if debian_tracker::is_list_file_name(name) {
        Recognised::Feed(FeedKind::DebianTracker)
    } else if lower.ends_with(".json") {
        recognise_json(bytes)
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        recognise_yaml(bytes)
    } else if lower.ends_with(".md") {
        recognise_page(bytes)
    } else if lower.ends_with(".csv") {
        let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
        let header = String::from_utf8_lossy(header);
        let columns: Vec<&str> = header.trim_end().split(',').collect();
        if eol::is_distro_info_header(&columns) {
            Recognised::Feed(FeedKind::DistroInfo)
        } else {
            Recognised::NotAFeed
        }
    } else {
        Recognised::NotAFeed
    }
}

fn recognise_json(bytes: &[u8]) -> Recognised {
    let start = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if start == Some(&b'[') {
        // endoflife.date's classic API: a list of cycles.
        return match serde_json::from_slice::<Vec<Keys>>(bytes) {
            Ok(list) if list.first().is_some_and(|c| c.contains_key("cycle")) => {
                Recognised::Feed(FeedKind::EndOfLifeDate)
            }
            Ok(_) => Recognised::NotAFeed,
            Err(err) if err.is_syntax() || err.is_eof() => Recognised::Unparsable(err.into()),
            Err(_) => Recognised::NotAFeed,
        };
    }
    let keys: Keys = match serde_json::from_slice(bytes) {
        Ok(keys) => keys,
        Err(err) if err.is_syntax() || err.is_eof() => return Recognised::Unparsable(err.into()),
        Err(_) => return Recognised::NotAFeed,
    };
    if let Some(kind) = recognise_keys(&keys) {
        return Recognised::Feed(kind);
    }
    if keys.contains_key("result") && serde_json::from_slice::<ApiV1Probe>(bytes).is_ok() {
        return Recognised::Feed(FeedKind::EndOfLifeDate);
    }
    if !keys.is_empty() && is_front_matter_set(bytes) {
        return Recognised::Feed(FeedKind::EndOfLifeDate);
    }
    Recognised::NotAFeed
}

fn recognise_yaml(bytes: &[u8]) -> Recognised {
    match serde_norway::from_slice::<Keys>(bytes) {
        Ok(keys) => recognise_keys(&keys).map_or(Recognised::NotAFeed, Recognised::Feed),
        Err(err) => {
            // A document that is not a mapping is simply not a feed; broken YAML is an error.
            let message = err.to_string();
            if message.contains("invalid type") || message.contains("expected a map") {
                Recognised::NotAFeed
            } else {
                Recognised::Unparsable(err.into())
            }
        }
    }
}

fn recognise_keys(keys: &Keys) -> Option<FeedKind> {
    if keys.contains_key("$schema") {
        None
    } else if keys.contains_key("id")
        && (keys.contains_key("affected") || keys.contains_key("modified"))
    {
        Some(FeedKind::Osv)
    } else if keys.contains_key("catalogVersion") && keys.contains_key("vulnerabilities") {
        Some(FeedKind::Kev)
    } else if keys.contains_key("distroversion") && keys.contains_key("packages") {
        Some(FeedKind::AlpineSecdb)
    } else {
        None
    }
}

fn recognise_page(bytes: &[u8]) -> Recognised {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Recognised::NotAFeed;
    };
    match eol::front_matter(text) {
        Some(yaml) if yaml.contains("\nreleases:") && yaml.contains("releaseCycle") => {
            Recognised::Feed(FeedKind::EndOfLifeDate)
        }
        _ => Recognised::NotAFeed,
    }
}

#[derive(Deserialize)]
struct ApiV1Probe {
    #[expect(dead_code, reason = "only its presence is probed")]
    result: ApiV1ResultProbe,
}

#[derive(Deserialize)]
struct ApiV1ResultProbe {
    #[expect(dead_code, reason = "only its presence is probed")]
    name: IgnoredAny,
    #[expect(dead_code, reason = "only its presence is probed")]
    releases: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
struct FrontMatterProbe {
    releases: Vec<Keys>,
}

/// Whether a JSON object maps names to front matters whose releases have a `releaseCycle`.
fn is_front_matter_set(bytes: &[u8]) -> bool {
    match serde_json::from_slice::<BTreeMap<String, FrontMatterProbe>>(bytes) {
        Ok(set) => set
            .values()
            .flat_map(|front| front.releases.first())
            .any(|release| release.contains_key("releaseCycle")),
        Err(_) => false,
    }
}

/// Reads a recognised file.
fn parse(kind: FeedKind, name: &str, bytes: &[u8]) -> Result<Records, ReadError> {
    let lower = name.to_ascii_lowercase();
    let yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
    let stem = product_name(name);
    Ok(match kind {
        FeedKind::Osv if yaml => Records::Advisories(vec![osv::read_yaml(bytes)?]),
        FeedKind::Osv => Records::Advisories(vec![osv::read_json(bytes)?]),
        FeedKind::Kev => Records::Kev(kev::read_json(bytes)?.entries),
        FeedKind::EndOfLifeDate if lower.ends_with(".md") => {
            Records::Lifecycle(vec![eol::read_front_matter(stem, bytes)?])
        }
        FeedKind::EndOfLifeDate => {
            let classic_or_v1 = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
                || serde_json::from_slice::<ApiV1Probe>(bytes).is_ok();
            if classic_or_v1 {
                Records::Lifecycle(vec![eol::read_api_json(stem, bytes)?])
            } else {
                Records::Lifecycle(eol::read_front_matter_set(bytes)?)
            }
        }
        FeedKind::DistroInfo => Records::Lifecycle(vec![eol::read_distro_info_csv(stem, bytes)?]),
        FeedKind::DebianTracker => Records::Advisories(debian_tracker::read_list(bytes)?),
        FeedKind::AlpineSecdb if yaml => Records::Advisories(alpine_secdb::read_yaml(bytes)?),
        FeedKind::AlpineSecdb => Records::Advisories(alpine_secdb::read_json(bytes)?),
    })
}

/// A product's name from its file name: `debian.md` → `debian`.
fn product_name(name: &str) -> &str {
    let base = file_name(name);
    base.split_once('.').map_or(base, |(stem, _)| stem)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const OSV_OLD: &str = r#"{"id": "GO-1", "modified": "2020-01-01T00:00:00Z", "summary": "old",
        "affected": [{"package": {"ecosystem": "Go", "name": "x"}}]}"#;
    const OSV_NEW: &str = r#"{"id": "GO-1", "modified": "2021-01-01T00:00:00Z", "summary": "new",
        "affected": []}"#;
    const OSV_BAD: &str = r#"{"id": "GO-2", "modified": "2021-01-01T00:00:00Z",
        "affected": [{"ranges": [{"type": "DATE", "events": []}]}]}"#;

    fn write(dir: &Path, relative: &str, bytes: &[u8]) {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }

    fn tar_gz(files: &[(&str, &str)]) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut builder = tar::Builder::new(gz);
        for (name, text) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, name, text.as_bytes())
                .expect("append");
        }
        builder.into_inner().expect("tar").finish().expect("gzip")
    }

    fn zip(files: &[(&str, &str)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in files {
            writer.start_file(*name, options).expect("start");
            writer.write_all(text.as_bytes()).expect("write");
        }
        writer.finish().expect("zip").into_inner()
    }

    #[test]
    fn later_modified_wins_and_non_feeds_are_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "a/old.json", OSV_OLD.as_bytes());
        write(
            dir.path(),
            "b/new.tar.gz",
            &tar_gz(&[("x/new.json", OSV_NEW)]),
        );
        write(dir.path(), "b/SOURCE.md", b"# where it came from\n");
        write(
            dir.path(),
            "b/schema.json",
            br#"{"$schema": "x", "id": "y", "modified": 1}"#,
        );
        let mut calls = 0;
        let mirror = load(dir.path(), |_| calls += 1).expect("loads");
        assert!(mirror.errors.is_empty(), "{:?}", mirror.errors);
        assert_eq!(mirror.advisories.len(), 1);
        assert_eq!(mirror.advisories[0].summary, "new");
        assert_eq!(mirror.skipped, 2);
        assert_eq!(calls, 4);
        assert_eq!(mirror.records(FeedKind::Osv), 2);
    }

    #[test]
    fn a_bad_file_drops_its_whole_feed_and_names_the_entry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let archive = zip(&[("go/GO-1.json", OSV_OLD), ("go/GO-2.json", OSV_BAD)]);
        write(dir.path(), "osv/go.zip", &archive);
        write(
            dir.path(),
            "kev/kev.json",
            br#"{"catalogVersion": "1", "vulnerabilities": []}"#,
        );
        let mirror = load(dir.path(), |_| {}).expect("loads");
        assert!(
            mirror.advisories.is_empty(),
            "the Go feed is not half-imported"
        );
        assert_eq!(mirror.errors.len(), 1);
        let error = &mirror.errors[0];
        assert!(
            error.path.ends_with("osv/go.zip!go/GO-2.json"),
            "{}",
            error.path
        );
        assert!(
            error
                .message
                .starts_with("field affected[0].ranges[0].type"),
            "{error}"
        );
        let osv = mirror
            .feeds
            .iter()
            .find(|f| f.kind == FeedKind::Osv)
            .expect("osv feed");
        assert_eq!(
            (osv.origin.as_str(), osv.files, osv.imported),
            ("osv/go.zip", 2, false)
        );
        let kev = mirror
            .feeds
            .iter()
            .find(|f| f.kind == FeedKind::Kev)
            .expect("kev feed");
        assert!(kev.imported);
    }

    #[test]
    fn broken_json_counts_against_its_origin() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "osv/GO-1.json", OSV_OLD.as_bytes());
        write(dir.path(), "osv/GO-3.json", b"{\"id\": \"GO-3\", \"modif");
        let mirror = load(dir.path(), |_| {}).expect("loads");
        assert!(mirror.advisories.is_empty());
        assert_eq!(mirror.errors.len(), 1);
        assert!(
            mirror.errors[0].to_string().contains("GO-3.json: line 1"),
            "{:?}",
            mirror.errors
        );
    }

    #[test]
    fn oversized_and_corrupt_inputs_are_errors_not_panics() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "a/broken.tar.zst", b"not zstd at all");
        write(dir.path(), "b/broken.zip", b"PK\x03\x04 truncated");
        write(dir.path(), "c/list.json.gz", b"\x1f\x8b garbage");
        let mirror = load(dir.path(), |_| {}).expect("loads");
        assert_eq!(mirror.errors.len(), 3, "{:?}", mirror.errors);

        let mut budget = Budget::default();
        assert!(budget.spend(MAX_ARCHIVE_BYTES).is_ok());
        assert!(budget.spend(1).is_err());
        assert!(read_bounded(io::repeat(b'x'), 0).is_err());
    }

    #[test]
    fn missing_root_is_an_error() {
        let err = load(Path::new("/nonexistent/steward/mirror"), |_| {}).expect_err("absent");
        assert!(err.message.starts_with("cannot read the mirror"), "{err}");
    }
}
