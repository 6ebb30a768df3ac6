//! The embedded vocabulary and Zipf-distributed word sampling.
//!
//! `words/function.txt` holds common function words and `words/content.txt`
//! English and security-policy words, both roughly in decreasing order of
//! frequency; a word's rank in the concatenation sets its Zipf weight.

use crate::rng::Rng;

const FUNCTION_WORDS: &str = include_str!("words/function.txt");
const CONTENT_WORDS: &str = include_str!("words/content.txt");

/// Walker/Vose alias table: O(1) sampling from a fixed discrete distribution.
#[derive(Debug)]
struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut prob = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Alias { prob, alias }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let i = rng.below(self.prob.len() as u64) as usize;
        if rng.unit() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

fn zipf_weights(n: usize, exponent: f64) -> Vec<f64> {
    (1..=n).map(|r| 1.0 / (r as f64).powf(exponent)).collect()
}

/// The word lists and the samplers built over them.
#[derive(Debug)]
pub struct Vocabulary {
    /// Function words followed by content words, in rank order.
    words: Vec<&'static str>,
    function_count: usize,
    /// Running text: every word, Zipf with exponent 1.
    text: Alias,
    /// Titles and headings: content words only, flatter Zipf.
    topic: Alias,
}

impl Vocabulary {
    pub fn new() -> Self {
        let function: Vec<&'static str> = FUNCTION_WORDS.split_whitespace().collect();
        let content: Vec<&'static str> = CONTENT_WORDS.split_whitespace().collect();
        let function_count = function.len();
        let content_count = content.len();
        let mut words = function;
        words.extend(content);
        let text = Alias::new(&zipf_weights(words.len(), 1.0));
        let topic = Alias::new(&zipf_weights(content_count, 0.8));
        Vocabulary {
            words,
            function_count,
            text,
            topic,
        }
    }

    /// Every word, in rank order.
    pub fn words(&self) -> &[&'static str] {
        &self.words
    }

    /// A word of running text.
    pub fn text_word(&self, rng: &mut Rng) -> &'static str {
        self.words[self.text.sample(rng)]
    }

    /// A content word, for titles, headings and link texts.
    pub fn topic_word(&self, rng: &mut Rng) -> &'static str {
        self.words[self.function_count + self.topic.sample(rng)]
    }
}

impl Default for Vocabulary {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;
    use std::collections::HashSet;

    #[test]
    fn words_are_unique_lowercase_ascii_and_plentiful() {
        let v = Vocabulary::new();
        assert!(v.words().len() >= 3000, "{} words", v.words().len());
        let mut seen = HashSet::new();
        for w in v.words() {
            assert!(
                !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()),
                "bad word {w:?}"
            );
            assert!(seen.insert(*w), "duplicate word {w:?}");
        }
    }

    #[test]
    fn text_sampling_is_zipf_like() {
        let v = Vocabulary::new();
        let mut rng = Rng::for_item(1, Stream::PageBody, 0);
        let n = 200_000;
        let mut counts = vec![0u32; v.words().len()];
        let index: std::collections::HashMap<&str, usize> =
            v.words().iter().enumerate().map(|(i, w)| (*w, i)).collect();
        for _ in 0..n {
            counts[index[v.text_word(&mut rng)]] += 1;
        }
        // Rank 1 should be about twice rank 2 and ten times rank 10.
        let r1 = f64::from(counts[0]);
        let r2 = f64::from(counts[1]);
        let r10 = f64::from(counts[9]);
        assert!((1.7..2.3).contains(&(r1 / r2)), "r1/r2 = {}", r1 / r2);
        assert!((8.0..12.5).contains(&(r1 / r10)), "r1/r10 = {}", r1 / r10);
        // The long tail is reached.
        assert!(counts[2000..].iter().filter(|c| **c > 0).count() > 500);
    }

    #[test]
    fn topic_words_are_content_words() {
        let v = Vocabulary::new();
        let function: HashSet<&str> = FUNCTION_WORDS.split_whitespace().collect();
        let mut rng = Rng::for_item(2, Stream::PageTitle, 0);
        for _ in 0..5000 {
            assert!(!function.contains(v.topic_word(&mut rng)));
        }
    }
}
