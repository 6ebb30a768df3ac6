//! Deterministic benchmark corpora for gca, Zola and Hugo.
//!
//! [`generate`] writes a site of N pages for a seed as up to three
//! equivalent sites (`gca/`, `zola/`, `hugo/`) with the same pages, sections,
//! taxonomy terms and links, and minimal templates doing the same work in
//! each tool. Pages are generated and written one at a time: memory stays
//! flat whatever N is.

pub mod page;
pub mod plan;
pub mod rng;
pub mod vocab;

use anyhow::{Context, Result, bail};
use page::{Doc, Flavours};
use plan::{MAX_PAGES, MIN_PAGES, Plan, TAXONOMIES, Target};
use rng::{Rng, Stream};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Gca,
    Zola,
    Hugo,
}

impl Format {
    /// Name of the format and of its folder under the output directory.
    pub fn name(self) -> &'static str {
        match self {
            Format::Gca => "gca",
            Format::Zola => "zola",
            Format::Hugo => "hugo",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s.trim() {
            "gca" => Format::Gca,
            "zola" => Format::Zola,
            "hugo" => Format::Hugo,
            other => bail!("unknown format {other:?} (expected gca, zola or hugo)"),
        })
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub pages: u64,
    pub seed: u64,
    pub out: PathBuf,
    pub formats: Vec<Format>,
    /// Replace existing format folders instead of refusing.
    pub force: bool,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub pages: u64,
    /// Sections including the home page.
    pub sections: u64,
    /// Bytes of Markdown written per format (front matter included).
    pub content_bytes: Vec<(Format, u64)>,
}

/// Offsets leaf numbers in the section-text stream so they never meet top numbers.
const LEAF_TEXT: u64 = 1 << 40;

const BASE_URL: &str = "https://example.org/";

struct Templates;

impl Templates {
    const GCA: &[(&str, &str)] = &[
        ("base.html", include_str!("templates/gca/base.html")),
        ("page.html", include_str!("templates/gca/page.html")),
        ("section.html", include_str!("templates/gca/section.html")),
        ("index.html", include_str!("templates/gca/index.html")),
        (
            "taxonomy_list.html",
            include_str!("templates/gca/taxonomy_list.html"),
        ),
        (
            "taxonomy_single.html",
            include_str!("templates/gca/taxonomy_single.html"),
        ),
    ];
    const ZOLA: &[(&str, &str)] = &[
        ("base.html", include_str!("templates/zola/base.html")),
        ("page.html", include_str!("templates/zola/page.html")),
        ("section.html", include_str!("templates/zola/section.html")),
        ("index.html", include_str!("templates/zola/index.html")),
        (
            "taxonomy_list.html",
            include_str!("templates/zola/taxonomy_list.html"),
        ),
        (
            "taxonomy_single.html",
            include_str!("templates/zola/taxonomy_single.html"),
        ),
    ];
    const HUGO: &[(&str, &str)] = &[
        (
            "_default/baseof.html",
            include_str!("templates/hugo/_default/baseof.html"),
        ),
        (
            "_default/single.html",
            include_str!("templates/hugo/_default/single.html"),
        ),
        (
            "_default/list.html",
            include_str!("templates/hugo/_default/list.html"),
        ),
        (
            "_default/terms.html",
            include_str!("templates/hugo/_default/terms.html"),
        ),
        (
            "_default/term.html",
            include_str!("templates/hugo/_default/term.html"),
        ),
        ("index.html", include_str!("templates/hugo/index.html")),
    ];
}

fn site_title(opts: &Options) -> String {
    format!("Benchmark corpus: {} pages, seed {}", opts.pages, opts.seed)
}

const SITE_DESCRIPTION: &str =
    "A generated site of cybersecurity policy pages for build benchmarks.";

fn toml_list(values: &[&str]) -> String {
    let items: Vec<String> = values.iter().map(|v| page::toml_str(v)).collect();
    format!("[{}]", items.join(", "))
}

/// `config.toml` for gca (keys of the content contract only).
pub fn gca_config(title: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "title = {}", page::toml_str(title));
    let _ = writeln!(s, "description = {}", page::toml_str(SITE_DESCRIPTION));
    let _ = writeln!(s, "base_url = \"{BASE_URL}\"");
    let _ = writeln!(s, "default_language = \"en\"");
    for t in TAXONOMIES {
        let _ = writeln!(s, "\n[[taxonomies]]");
        let _ = writeln!(s, "name = \"{}\"", t.name);
        let _ = writeln!(s, "title = \"{}\"", t.title);
        let _ = writeln!(s, "feed = true");
        let _ = writeln!(s, "values = {}", toml_list(t.values));
    }
    s.push_str(
        "\n[markdown]\nhighlight_code = true\nhighlight_theme = \"InspiredGitHub\"\n\
         highlight_theme_dark = \"base16-ocean.dark\"\nsmart_punctuation = true\n\
         allow_raw_html = false\n\n[search]\nenabled = true\n",
    );
    s
}

/// `config.toml` for Zola 0.22: same taxonomies with feeds, a site feed of
/// 20 entries, sitemap, highlighting with inline colours, no search index.
pub fn zola_config(title: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "base_url = \"{BASE_URL}\"");
    let _ = writeln!(s, "title = {}", page::toml_str(title));
    let _ = writeln!(s, "description = {}", page::toml_str(SITE_DESCRIPTION));
    s.push_str(
        "default_language = \"en\"\ncompile_sass = false\nbuild_search_index = false\n\
         generate_feeds = true\nfeed_filenames = [\"atom.xml\"]\nfeed_limit = 20\n\
         generate_sitemap = true\ntaxonomies = [\n",
    );
    for t in TAXONOMIES {
        let _ = writeln!(s, "    {{ name = \"{}\", feed = true }},", t.name);
    }
    s.push_str(
        "]\n\n[markdown]\nsmart_punctuation = true\n\n[markdown.highlighting]\n\
         error_on_missing_language = true\nstyle = \"inline\"\n\
         light_theme = \"github-light\"\ndark_theme = \"github-dark\"\n",
    );
    s
}

/// `hugo.toml`: same taxonomies, RSS for the home page and each term (20
/// entries), sitemap, chroma highlighting with inline colours.
pub fn hugo_config(title: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "baseURL = \"{BASE_URL}\"");
    let _ = writeln!(s, "title = {}", page::toml_str(title));
    s.push_str(
        "languageCode = \"en\"\ndisableHugoGeneratorInject = true\nrssLimit = 20\n\
         enableRobotsTXT = true\n\n[params]\n",
    );
    let _ = writeln!(s, "description = {}", page::toml_str(SITE_DESCRIPTION));
    s.push_str("\n[taxonomies]\n");
    for t in TAXONOMIES {
        let singular = t.name.strip_suffix('s').unwrap_or(t.name);
        let _ = writeln!(s, "{singular} = \"{}\"", t.name);
    }
    s.push_str(
        "\n[outputs]\nhome = [\"HTML\", \"RSS\"]\nsection = [\"HTML\"]\n\
         taxonomy = [\"HTML\"]\nterm = [\"HTML\", \"RSS\"]\n\n\
         [markup.goldmark.renderer]\nunsafe = false\n\n\
         [markup.goldmark.parser]\nautoHeadingID = true\nautoHeadingIDType = \"github\"\n\n\
         [markup.highlight]\ncodeFences = true\nnoClasses = true\nstyle = \"github\"\n",
    );
    s
}

/// The writer of one run: where each flavour goes and how much was written.
struct Sink {
    /// Content roots, in format order, with the flavour each takes.
    roots: Vec<(Format, PathBuf)>,
    bytes: Vec<(Format, u64)>,
}

impl Sink {
    fn create_dir(&self, rel: &str) -> Result<()> {
        for (_, root) in &self.roots {
            let dir = root.join(rel);
            fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        Ok(())
    }

    fn write(&mut self, rel: &str, doc: &Doc) -> Result<()> {
        for ((format, root), (_, bytes)) in self.roots.iter().zip(self.bytes.iter_mut()) {
            let text = match format {
                Format::Gca | Format::Zola => &doc.zola,
                Format::Hugo => &doc.hugo,
            };
            let path = root.join(rel);
            fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            *bytes += text.len() as u64;
        }
        Ok(())
    }
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Generates the corpus described by `opts`.
pub fn generate(opts: &Options) -> Result<Summary> {
    if !(MIN_PAGES..=MAX_PAGES).contains(&opts.pages) {
        bail!(
            "--pages must be between {MIN_PAGES} and {MAX_PAGES}, got {}",
            opts.pages
        );
    }
    let mut formats = opts.formats.clone();
    formats.sort();
    formats.dedup();
    if formats.is_empty() {
        bail!("no format given (expected some of gca, zola, hugo)");
    }
    let title = site_title(opts);
    let mut roots = Vec::new();
    for &f in &formats {
        let dir = opts.out.join(f.name());
        if dir.exists() {
            if opts.force {
                fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
            } else {
                bail!(
                    "{} already exists; remove it or pass --force to replace it",
                    dir.display()
                );
            }
        }
        match f {
            Format::Gca => {
                write_file(&dir.join("config.toml"), &gca_config(&title))?;
                for (name, text) in Templates::GCA {
                    write_file(&dir.join("templates").join(name), text)?;
                }
            }
            Format::Zola => {
                write_file(&dir.join("config.toml"), &zola_config(&title))?;
                for (name, text) in Templates::ZOLA {
                    write_file(&dir.join("templates").join(name), text)?;
                }
            }
            Format::Hugo => {
                write_file(&dir.join("hugo.toml"), &hugo_config(&title))?;
                for (name, text) in Templates::HUGO {
                    write_file(&dir.join("layouts").join(name), text)?;
                }
            }
        }
        roots.push((f, dir.join("content")));
    }
    let flavours = Flavours {
        zola: formats
            .iter()
            .any(|f| matches!(f, Format::Gca | Format::Zola)),
        hugo: formats.contains(&Format::Hugo),
    };
    let mut sink = Sink {
        bytes: roots.iter().map(|(f, _)| (*f, 0)).collect(),
        roots,
    };
    let plan = Plan::new(opts.seed, opts.pages);
    let mut doc = Doc::new(flavours);

    // Home page: links to the top-level sections.
    sink.create_dir("")?;
    let mut rng = Rng::for_item(opts.seed, Stream::Home, 0);
    let children: Vec<(String, Target)> = (0..plan.top_count())
        .map(|t| (plan.top_title(t), Target::Section(plan.top_slug(t))))
        .collect();
    page::section_index(
        &plan,
        &mut doc,
        &title,
        SITE_DESCRIPTION,
        false,
        &children,
        &mut rng,
    );
    sink.write("_index.md", &doc)?;
    let mut sections = 1;

    for top in 0..plan.top_count() {
        let top_slug = plan.top_slug(top);
        sink.create_dir(&top_slug)?;
        let mut rng = Rng::for_item(opts.seed, Stream::SectionText, top);
        let children: Vec<(String, Target)> = plan
            .top_leaves(top)
            .map(|l| (plan.leaf_title(l), Target::Section(plan.leaf_path(l))))
            .collect();
        let description = page::section_description(&plan, &mut rng);
        doc.clear();
        page::section_index(
            &plan,
            &mut doc,
            &plan.top_title(top),
            &description,
            false,
            &children,
            &mut rng,
        );
        sink.write(&format!("{top_slug}/_index.md"), &doc)?;
        sections += 1;

        for leaf in plan.top_leaves(top) {
            let leaf_path = format!("{top_slug}/{}", plan.leaf_slug(leaf));
            sink.create_dir(&leaf_path)?;
            let mut rng = Rng::for_item(opts.seed, Stream::SectionText, LEAF_TEXT | leaf);
            let description = page::section_description(&plan, &mut rng);
            doc.clear();
            page::section_index(
                &plan,
                &mut doc,
                &plan.leaf_title(leaf),
                &description,
                true,
                &[],
                &mut rng,
            );
            sink.write(&format!("{leaf_path}/_index.md"), &doc)?;
            sections += 1;

            for index in plan.leaf_pages(leaf) {
                doc.clear();
                let meta = page::page_meta(&plan, index);
                page::front_matter(&mut doc, &meta);
                page::page_body(&plan, index, &mut doc);
                sink.write(&format!("{leaf_path}/{}.md", plan.page_slug(index)), &doc)?;
            }
        }
    }
    Ok(Summary {
        pages: opts.pages,
        sections,
        content_bytes: sink.bytes,
    })
}
