//! Text analysis: the one definition of a "word", shared with the browser.
//!
//! The browser reader (`search-index/js/search-core.js`, function
//! `words`) implements [`words`] character for character; keep them in step.
//!
//! 1. Each character is lowercased (`char::to_lowercase`, no context rules),
//!    decomposed (NFD), stripped of combining marks (General Category M), and
//!    passed through a small folding table (`ß`→`ss`, `æ`→`ae`, `œ`→`oe`,
//!    `ø`→`o`, `đ`/`ð`→`d`, `ł`→`l`, `þ`→`th`, `ı`→`i`, `ς`→`σ`).
//! 2. A word is a maximal run of alphabetic or numeric characters
//!    (`char::is_alphanumeric`, JS `[\p{Alphabetic}\p{N}]`).
//! 3. Inside a word, runs of CJK characters (the ranges in [`is_cjk`]) are cut
//!    into overlapping bigrams (a lone CJK character stays a unigram); the
//!    other parts of the word stay whole.
//! 4. Words longer than [`MAX_WORD_CHARS`] characters are dropped.
//!
//! The result is a *surface word*. The index then drops stop words (a short
//! list per language) and stems the rest with the language's Snowball stemmer
//! (tantivy's `Stemmer`); the browser never stems, because every surface word
//! of the index is exported with its stem.

use tantivy::tokenizer::{Language, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Words longer than this (in characters) are not indexed.
pub const MAX_WORD_CHARS: usize = 40;

/// A language the index knows how to analyse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English: Lucene's stop words, Snowball English stemmer.
    En,
    /// French: Snowball French stemmer.
    Fr,
    /// Spanish: Snowball Spanish stemmer.
    Es,
    /// Russian: Snowball Russian stemmer.
    Ru,
    /// Arabic: Snowball Arabic stemmer (diacritics are folded away first).
    Ar,
    /// Chinese: CJK bigrams, no stemmer.
    Zh,
    /// Any other language: words only, no stop words, no stemmer.
    Other,
}

impl Lang {
    /// The analyser for a language code such as `en` or `zh-Hans`.
    pub fn from_code(code: &str) -> Lang {
        let primary = code
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Lang::En,
            "fr" => Lang::Fr,
            "es" => Lang::Es,
            "ru" => Lang::Ru,
            "ar" => Lang::Ar,
            "zh" => Lang::Zh,
            _ => Lang::Other,
        }
    }

    fn stemmer(self) -> Option<Language> {
        match self {
            Lang::En => Some(Language::English),
            Lang::Fr => Some(Language::French),
            Lang::Es => Some(Language::Spanish),
            Lang::Ru => Some(Language::Russian),
            Lang::Ar => Some(Language::Arabic),
            Lang::Zh | Lang::Other => None,
        }
    }

    /// Stop words of the language, already in surface-word form, sorted.
    pub fn stop_words(self) -> &'static [&'static str] {
        match self {
            // Lucene's English list.
            Lang::En => &[
                "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into",
                "is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then",
                "there", "these", "they", "this", "to", "was", "will", "with",
            ],
            // Articles, prepositions, pronouns, conjunctions, elided
            // letters (l', d', qu'...) and common forms of être and avoir.
            Lang::Fr => &[
                "a", "au", "aux", "avec", "c", "ce", "ces", "cet", "cette", "d", "dans", "de",
                "des", "du", "elle", "elles", "en", "est", "et", "ete", "etre", "il", "ils", "j",
                "je", "l", "la", "le", "les", "leur", "leurs", "lui", "m", "ma", "mais", "me",
                "mes", "moi", "mon", "n", "ne", "nos", "notre", "nous", "on", "ont", "ou", "par",
                "pas", "pour", "qu", "que", "qui", "s", "sa", "se", "ses", "si", "son", "sont",
                "sur", "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre",
                "vous", "y",
            ],
            Lang::Es => &[
                "a", "al", "como", "con", "cuando", "de", "del", "donde", "el", "en", "entre",
                "es", "esta", "estas", "este", "esto", "estos", "fue", "ha", "han", "hay", "la",
                "las", "le", "les", "lo", "los", "mi", "muy", "o", "para", "pero", "por", "que",
                "se", "ser", "si", "sin", "son", "su", "sus", "tambien", "un", "una", "unas",
                "unos", "y", "ya",
            ],
            // Folded: ё is е and й is и here.
            Lang::Ru => &[
                "а",
                "без",
                "бы",
                "был",
                "была",
                "были",
                "было",
                "быть",
                "в",
                "во",
                "вы",
                "да",
                "для",
                "до",
                "его",
                "ее",
                "же",
                "за",
                "и",
                "из",
                "или",
                "им",
                "их",
                "к",
                "как",
                "когда",
                "которая",
                "которые",
                "которыи",
                "которых",
                "ли",
                "мы",
                "на",
                "над",
                "не",
                "ни",
                "но",
                "о",
                "об",
                "он",
                "она",
                "они",
                "оно",
                "от",
                "по",
                "под",
                "при",
                "про",
                "с",
                "со",
                "так",
                "также",
                "то",
                "ты",
                "у",
                "уже",
                "что",
                "эта",
                "эти",
                "это",
                "этот",
                "я",
            ],
            // Folded: hamza forms of alif are alif.
            Lang::Ar => &[
                "اذا",
                "التي",
                "الذي",
                "الذين",
                "الى",
                "ان",
                "او",
                "اي",
                "بعد",
                "بين",
                "تلك",
                "ثم",
                "حتى",
                "ذلك",
                "على",
                "عن",
                "عند",
                "في",
                "قبل",
                "قد",
                "كان",
                "كانت",
                "كل",
                "كما",
                "لا",
                "لم",
                "لن",
                "ما",
                "مع",
                "من",
                "هذا",
                "هذه",
                "هم",
                "هو",
                "هي",
                "و",
            ],
            Lang::Zh | Lang::Other => &[],
        }
    }

    /// Whether `word` (a surface word) is a stop word of the language.
    /// Asked for every word of every text: a hash set per language, made
    /// once (a binary search of the list was a twentieth of indexing).
    pub fn is_stop_word(self, word: &str) -> bool {
        static SETS: [std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>>; 7] =
            [const { std::sync::OnceLock::new() }; 7];
        let slot = match self {
            Lang::En => 0,
            Lang::Fr => 1,
            Lang::Es => 2,
            Lang::Ru => 3,
            Lang::Ar => 4,
            Lang::Zh => 5,
            Lang::Other => 6,
        };
        SETS[slot]
            .get_or_init(|| self.stop_words().iter().copied().collect())
            .contains(word)
    }
}

/// Whether `c` is written without spaces between words (Han, kana, Hangul
/// syllables) and so is indexed as bigrams.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // CJK Extensions B to F, compatibility supplement
}

fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for lower in c.to_lowercase() {
        let mut buf = [0u8; 4];
        for d in lower.encode_utf8(&mut buf).nfd() {
            if is_combining_mark(d) {
                continue;
            }
            match d {
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'ø' => out.push('o'),
                'đ' | 'ð' => out.push('d'),
                'ł' => out.push('l'),
                'þ' => out.push_str("th"),
                'ı' => out.push('i'),
                'ς' => out.push('σ'),
                _ => out.push(d),
            }
        }
    }
}

/// Lowercases and folds a string the way words are folded (step 1 above),
/// without splitting it.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// A surface word found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The folded word.
    pub text: String,
    /// Byte offset of the first source character.
    pub from: usize,
    /// Byte offset after the last source character.
    pub to: usize,
    /// Ordinal of the word in the text (stop words count).
    pub position: usize,
}

/// Splits `text` into surface words (see the module documentation).
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for_each_word(text, |word, from, to| {
        let position = out.len();
        out.push(Word {
            text: word.to_string(),
            from,
            to,
            position,
        });
    });
    out
}

/// [`words`] without making them: calls `f(word, from, to)` for each
/// surface word of `text` in order (its position is the number of calls
/// before it). The words are folded one run of letters at a time into
/// buffers that are used again, so that nothing is allocated per word.
pub fn for_each_word(text: &str, mut f: impl FnMut(&str, usize, usize)) {
    // The current run of folded letters and digits, each with the source
    // character it came from.
    let mut run: Vec<(char, usize, usize)> = Vec::new();
    let mut word = String::new();
    let mut piece = String::new();
    for (at, c) in text.char_indices() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                run.push((c.to_ascii_lowercase(), at, at + 1));
            } else if !run.is_empty() {
                split_run(&run, &mut word, &mut f);
                run.clear();
            }
            continue;
        }
        piece.clear();
        fold_char(c, &mut piece);
        let end = at + c.len_utf8();
        for folded in piece.chars() {
            if folded.is_alphanumeric() {
                run.push((folded, at, end));
            } else if !run.is_empty() {
                split_run(&run, &mut word, &mut f);
                run.clear();
            }
        }
    }
    if !run.is_empty() {
        split_run(&run, &mut word, &mut f);
    }
}

/// The words of a run of letters and digits: CJK parts as bigrams, other
/// parts whole.
fn split_run(
    run: &[(char, usize, usize)],
    word: &mut String,
    f: &mut impl FnMut(&str, usize, usize),
) {
    let mut i = 0;
    while i < run.len() {
        let cjk = is_cjk(run[i].0);
        let start = i;
        while i < run.len() && is_cjk(run[i].0) == cjk {
            i += 1;
        }
        let part = &run[start..i];
        if cjk && part.len() > 1 {
            for pair in part.windows(2) {
                push_word(pair, word, f);
            }
        } else {
            push_word(part, word, f);
        }
    }
}

fn push_word(
    chars: &[(char, usize, usize)],
    word: &mut String,
    f: &mut impl FnMut(&str, usize, usize),
) {
    if chars.is_empty() || chars.len() > MAX_WORD_CHARS {
        return;
    }
    word.clear();
    word.extend(chars.iter().map(|c| c.0));
    f(word, chars[0].1, chars[chars.len() - 1].2);
}

/// Positions left between two texts of a page (title, description, each
/// heading, text and code), so that no phrase spans two of them.
pub const TEXT_GAP: u32 = 16;

/// The surface words of a page's texts with their positions: word `i` of
/// text `t` is at `start(t) + i`, each text starting [`TEXT_GAP`] after the
/// end of the previous one. Phrase matching compares these positions.
pub fn positioned_words<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    let mut start = 0u32;
    for text in texts {
        let found = words(text);
        let n = found.len() as u32;
        for w in found {
            out.push((w.text, start.saturating_add(w.position as u32)));
        }
        start = start.saturating_add(n).saturating_add(TEXT_GAP);
    }
    out
}

/// The analyser of one language: surface words, stop words, stems.
#[derive(Clone)]
pub struct Analyzer {
    lang: Lang,
    stemmer: Option<TextAnalyzer>,
}

impl Analyzer {
    /// The analyser for `lang`.
    pub fn new(lang: Lang) -> Analyzer {
        let stemmer = lang.stemmer().map(|language| {
            TextAnalyzer::builder(WholeWord)
                .filter(Stemmer::new(language))
                .build()
        });
        Analyzer { lang, stemmer }
    }

    /// The language analysed.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The indexed term of a surface word, `None` for a stop word.
    pub fn term(&self, surface: &str) -> Option<String> {
        if self.lang.is_stop_word(surface) {
            return None;
        }
        match &self.stemmer {
            None => Some(surface.to_string()),
            Some(analyzer) => {
                let mut analyzer = analyzer.clone();
                let mut stream = analyzer.token_stream(surface);
                let stem = stream.next().map(|t| t.text.clone());
                Some(stem.unwrap_or_else(|| surface.to_string()))
            }
        }
    }

    /// A tantivy analyser producing stems (`stemmed = true`) or surface
    /// words, without stop words, for indexing.
    pub fn tantivy(&self, stemmed: bool) -> TextAnalyzer {
        TextAnalyzer::from(WordTokenizer {
            lang: self.lang,
            stemmer: if stemmed { self.stemmer.clone() } else { None },
            spans: Vec::new(),
            text: String::new(),
            token: Token::default(),
        })
    }
}

/// Hands the whole input to the next filter as one token (used to stem a
/// single surface word).
#[derive(Clone)]
struct WholeWord;

impl Tokenizer for WholeWord {
    type TokenStream<'a> = VecStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        VecStream::new(vec![Token {
            offset_from: 0,
            offset_to: text.len(),
            position: 0,
            text: text.to_string(),
            position_length: 1,
        }])
    }
}

/// The tantivy face of [`words`]: surface words minus stop words, stemmed
/// when it has a stemmer. A text becomes a list of spans, each with the
/// place of its term in a buffer, and the stream writes each term in turn
/// into one token.
///
/// Tantivy gives each field its own tokenizer, and a page's sections are
/// indexed twice, in the page's fields and in their own documents, by the
/// same indexing thread (see `index::build_language`). So the words' terms
/// and the spans of the last texts are kept per thread ([`TermTable`]),
/// shared by every field: a text seen a moment ago is not scanned again.
#[derive(Clone)]
struct WordTokenizer {
    lang: Lang,
    stemmer: Option<TextAnalyzer>,
    /// The spans of the current text: `(from, to, position, term)`, the
    /// term being a range of `text`.
    spans: Vec<Span>,
    text: String,
    token: Token,
}

/// A token of a text: its byte offsets, its position, and where its term
/// is in the tokenizer's buffer.
#[derive(Clone, Copy)]
struct Span {
    from: usize,
    to: usize,
    position: usize,
    term: (u32, u32),
}

/// The term number of a stop word.
const NO_TERM: u32 = u32::MAX;

/// Texts remembered per thread, with their tokens.
const MEMO_TEXTS: usize = 64;

/// A thread's terms of surface words, and the tokens of its last texts.
#[derive(Default)]
struct TermTable {
    /// Whose table it is: the language and whether it stems.
    owner: Option<(Lang, bool)>,
    /// Surface word to the number of its term in `terms` ([`NO_TERM`]
    /// for a stop word).
    ids: rustc_hash::FxHashMap<String, u32>,
    terms: Vec<String>,
    /// The last texts (a ring), with their tokens as term numbers.
    memo: Vec<Memo>,
    next: usize,
}

#[derive(Default)]
struct Memo {
    hash: u64,
    text: String,
    /// `(from, to, position, term number)`.
    tokens: Vec<(usize, usize, usize, u32)>,
}

impl TermTable {
    /// Words remembered at most: past it, the next text starts afresh.
    const LIMIT: usize = 200_000;

    fn reset(&mut self, owner: (Lang, bool)) {
        *self = TermTable {
            owner: Some(owner),
            ..TermTable::default()
        };
    }

    fn term_of(&mut self, lang: Lang, stemmer: &mut Option<TextAnalyzer>, surface: &str) -> u32 {
        if let Some(&id) = self.ids.get(surface) {
            return id;
        }
        let id = if lang.is_stop_word(surface) {
            NO_TERM
        } else {
            let term = match stemmer {
                None => surface.to_string(),
                Some(stemmer) => stemmer
                    .token_stream(surface)
                    .next()
                    .map(|t| t.text.clone())
                    .unwrap_or_else(|| surface.to_string()),
            };
            self.terms.push(term);
            (self.terms.len() - 1) as u32
        };
        self.ids.insert(surface.to_string(), id);
        id
    }

    /// The memo of `text`: one already there, or a new one in the ring.
    fn memo(&mut self, lang: Lang, stemmer: &mut Option<TextAnalyzer>, text: &str) -> usize {
        use std::hash::BuildHasher;
        let hash = rustc_hash::FxBuildHasher.hash_one(text);
        if let Some(at) = self
            .memo
            .iter()
            .position(|m| m.hash == hash && m.text == text)
        {
            return at;
        }
        if self.memo.len() < MEMO_TEXTS {
            self.memo.push(Memo::default());
            self.next = self.memo.len() - 1;
        }
        let at = self.next;
        self.next = (self.next + 1) % MEMO_TEXTS;
        let mut memo = std::mem::take(&mut self.memo[at]);
        memo.hash = hash;
        memo.text.clear();
        memo.text.push_str(text);
        memo.tokens.clear();
        let mut position = 0;
        for_each_word(text, |word, from, to| {
            let term = self.term_of(lang, stemmer, word);
            if term != NO_TERM {
                memo.tokens.push((from, to, position, term));
            }
            position += 1;
        });
        self.memo[at] = memo;
        at
    }
}

thread_local! {
    static TERM_TABLE: std::cell::RefCell<TermTable> = std::cell::RefCell::new(TermTable::default());
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = SpanStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> SpanStream<'a> {
        self.spans.clear();
        self.text.clear();
        let owner = (self.lang, self.stemmer.is_some());
        TERM_TABLE.with_borrow_mut(|table| {
            if table.owner != Some(owner) || table.ids.len() >= TermTable::LIMIT {
                table.reset(owner);
            }
            let at = table.memo(self.lang, &mut self.stemmer, text);
            let memo = &table.memo[at];
            for &(from, to, position, term) in &memo.tokens {
                let term_text = &table.terms[term as usize];
                let start = self.text.len() as u32;
                self.text.push_str(term_text);
                self.spans.push(Span {
                    from,
                    to,
                    position,
                    term: (start, self.text.len() as u32),
                });
            }
        });
        SpanStream {
            tokenizer: self,
            next: 0,
        }
    }
}

/// The tokens of one text, from [`WordTokenizer`]'s spans.
struct SpanStream<'a> {
    tokenizer: &'a mut WordTokenizer,
    next: usize,
}

impl TokenStream for SpanStream<'_> {
    fn advance(&mut self) -> bool {
        let t = &mut *self.tokenizer;
        let Some(&span) = t.spans.get(self.next) else {
            return false;
        };
        self.next += 1;
        t.token.offset_from = span.from;
        t.token.offset_to = span.to;
        t.token.position = span.position;
        t.token.position_length = 1;
        t.token.text.clear();
        t.token
            .text
            .push_str(&t.text[span.term.0 as usize..span.term.1 as usize]);
        true
    }
    fn token(&self) -> &Token {
        &self.tokenizer.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokenizer.token
    }
}

/// A token stream over a prepared list.
struct VecStream {
    tokens: Vec<Token>,
    next: usize,
}

impl VecStream {
    fn new(tokens: Vec<Token>) -> VecStream {
        VecStream { tokens, next: 0 }
    }
}

impl TokenStream for VecStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1))]
    }
    fn token_mut(&mut self) -> &mut Token {
        let at = self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[at]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        words(s).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn folds_case_and_diacritics() {
        assert_eq!(
            texts("Café CRÈME Straße Ærø"),
            ["cafe", "creme", "strasse", "aero"]
        );
    }

    #[test]
    fn arabic_diacritics_fold() {
        assert_eq!(texts("الأَمْن"), texts("الامن"));
    }

    #[test]
    fn cjk_bigrams() {
        assert_eq!(texts("网络安全"), ["网络", "络安", "安全"]);
        assert_eq!(texts("安"), ["安"]);
        assert_eq!(texts("abc网络"), ["abc", "网络"]);
    }

    #[test]
    fn offsets_point_at_source() {
        let s = "Élan vital";
        let w = words(s);
        assert_eq!(&s[w[0].from..w[0].to], "Élan");
        assert_eq!(&s[w[1].from..w[1].to], "vital");
    }

    #[test]
    fn stems_and_stop_words() {
        let a = Analyzer::new(Lang::En);
        assert_eq!(a.term("injections").as_deref(), Some("inject"));
        assert_eq!(a.term("the"), None);
    }

    #[test]
    fn stop_lists_are_sorted_and_folded() {
        for lang in [
            Lang::En,
            Lang::Fr,
            Lang::Es,
            Lang::Ru,
            Lang::Ar,
            Lang::Zh,
            Lang::Other,
        ] {
            let list = lang.stop_words();
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{lang:?}");
            for w in list {
                assert_eq!(texts(w), [*w], "{lang:?}");
                assert!(lang.is_stop_word(w));
            }
        }
    }

    #[test]
    fn long_words_dropped() {
        let long = "x".repeat(MAX_WORD_CHARS + 1);
        assert!(texts(&long).is_empty());
    }
}
