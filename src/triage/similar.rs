//! Duplicates and form letters: comments whose normalised text is the same,
//! or nearly the same, grouped into clusters, so one answer can go to all.
//!
//! Texts are normalised (lower case, Unicode letters and digits only, runs
//! of anything else one space), exact duplicates grouped by that text, and
//! each distinct text of at least [`MIN_SHINGLES`] word shingles gets a
//! MinHash signature of [`HASHES`] slots over its [`SHINGLE`]-word shingles
//! (one-permutation hashing with densification: one seeded hash per
//! shingle). LSH banding ([`BANDS`] bands of [`ROWS`]
//! rows) proposes candidate pairs; a pair joins when the share of equal
//! signature slots (the estimated Jaccard similarity) is at least
//! [`THRESHOLD`]. Union-find turns joined pairs into clusters. Everything is
//! deterministic: the same comments give the same clusters.
//!
//! Cost is linear in the text: one hash per shingle of each distinct text, and per
//! band a sort; a bucket compares each new text with at most
//! [`BUCKET_REPRESENTATIVES`] earlier ones, so thousands of copies of one
//! letter never cost a quadratic number of comparisons.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

pub use super::recluster::{ClusterReport, recluster, recluster_leased, recluster_stale};

/// Words per shingle.
pub const SHINGLE: usize = 3;
/// MinHash functions per signature.
pub const HASHES: usize = 128;
/// LSH bands; `BANDS * ROWS == HASHES`.
pub const BANDS: usize = 32;
/// Signature slots per band.
pub const ROWS: usize = HASHES / BANDS;
/// Estimated Jaccard similarity at which two texts join.
pub const THRESHOLD: f64 = 0.7;
/// Texts with fewer shingles cluster only with identical ones.
pub const MIN_SHINGLES: usize = 3;
/// How many texts of one LSH bucket a new one is compared with.
pub const BUCKET_REPRESENTATIVES: usize = 4;

/// Lower case, Unicode letters and digits only, words separated by one space.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            space = true;
        }
    }
    out
}

/// SHA-256 of the normalised text, as stored in `comments.text_hash`.
pub fn text_hash(normalised: &str) -> [u8; 32] {
    Sha256::digest(normalised.as_bytes()).into()
}

/// MurmurHash3's 64-bit finaliser: a fixed, well-mixing permutation.
const fn fmix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// FNV-1a over bytes, then mixed.
fn word_hash(word: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in word.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    fmix64(h)
}

/// Seeds of the one hash per shingle and of the densification probes.
const SEED: u64 = 0x646f_636b_6574_2121; // "docket!!"
const PROBE_SEED: u64 = 0x636c_7573_7465_7273; // "clusters"

/// The hashes of a normalised text's word shingles (empty when it has
/// fewer than [`SHINGLE`] words).
pub fn shingles(normalised: &str) -> Vec<u64> {
    let words: Vec<u64> = normalised.split(' ').map(word_hash).collect();
    words
        .windows(SHINGLE)
        .map(|w| w.iter().fold(0u64, |h, &x| fmix64(h ^ x)))
        .collect()
}

/// The MinHash signature of a set of shingle hashes (not empty), by
/// one-permutation hashing: each shingle is hashed once, into one of
/// [`HASHES`] bins by its high bits, each bin keeping its least low half.
/// Bins no shingle fell into borrow the value of a filled bin chosen by a
/// fixed probe sequence per bin ("optimal densification", Shrivastava 2017),
/// the same for every text, so equal slots still estimate the Jaccard
/// similarity. One hash per shingle instead of [`HASHES`].
pub fn signature(shingles: &[u64], out: &mut [u32; HASHES]) {
    out.fill(u32::MAX);
    let mut filled = [false; HASHES];
    for &x in shingles {
        let h = fmix64(x ^ SEED);
        // Truncations intended: the bin from the high half, the value the low.
        let bin = ((h >> 32) % HASHES as u64) as usize;
        let value = h as u32;
        if !filled[bin] || value < out[bin] {
            out[bin] = value;
            filled[bin] = true;
        }
    }
    let Some(any) = filled.iter().position(|f| *f) else {
        return;
    };
    for bin in 0..HASHES {
        if filled[bin] {
            continue;
        }
        // Random probes; after 64 misses (rare), the first filled bin.
        let source = (0..64u64)
            .map(|attempt| {
                let probe = fmix64(PROBE_SEED ^ ((bin as u64) << 32) ^ attempt);
                (probe % HASHES as u64) as usize
            })
            .find(|&j| filled[j])
            .unwrap_or(any);
        out[bin] = out[source];
    }
}

/// The estimated Jaccard similarity of two signatures.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

/// Comments fed one at a time (in id order), clustered by [`finish`](Self::finish).
#[derive(Default)]
pub struct Clusterer {
    /// Distinct normalised texts by hash → index.
    distinct: HashMap<[u8; 32], u32>,
    /// Per distinct text: its signature's position in `signatures`, if long enough.
    signed: Vec<Option<u32>>,
    signatures: Vec<u32>,
    /// (comment id, distinct text) in the order added.
    comments: Vec<(i64, u32)>,
    hashes: Vec<[u8; 32]>,
    /// The distinct text that normalises to nothing: never clustered.
    empty: Option<u32>,
}

/// One comment's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub id: i64,
    /// Hex SHA-256 of the normalised text.
    pub text_hash: String,
    /// The lowest member id of its cluster (its own when alone); `None`
    /// for a text that never clusters.
    pub cluster_id: Option<i64>,
}

impl Clusterer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds comment `id` with text `body`.
    pub fn add(&mut self, id: i64, body: &str) {
        let normalised = normalise(body);
        let hash = text_hash(&normalised);
        let next = u32::try_from(self.signed.len()).unwrap_or(u32::MAX);
        let index = *self.distinct.entry(hash).or_insert(next);
        if index == next {
            self.hashes.push(hash);
            if normalised.is_empty() {
                self.empty = Some(index);
            }
            let shingles = if normalised.is_empty() {
                Vec::new()
            } else {
                shingles(&normalised)
            };
            if shingles.len() >= MIN_SHINGLES {
                let mut sig = [0u32; HASHES];
                signature(&shingles, &mut sig);
                let at = u32::try_from(self.signatures.len() / HASHES).unwrap_or(u32::MAX);
                self.signatures.extend_from_slice(&sig);
                self.signed.push(Some(at));
            } else {
                self.signed.push(None);
            }
        }
        self.comments.push((id, index));
    }

    fn signature_of(&self, text: u32) -> Option<&[u32]> {
        let at = self.signed.get(text as usize).copied().flatten()? as usize * HASHES;
        self.signatures.get(at..at + HASHES)
    }

    /// Every comment added, with its text hash and cluster.
    pub fn finish(self) -> Vec<Placement> {
        let mut sets = UnionFind::new(self.signed.len());
        let signed: Vec<u32> = (0..self.signed.len())
            .filter(|&t| self.signed[t].is_some())
            .filter_map(|t| u32::try_from(t).ok())
            .collect();
        let mut keys: Vec<(u64, u32)> = Vec::with_capacity(signed.len());
        for band in 0..BANDS {
            keys.clear();
            for &text in &signed {
                if let Some(sig) = self.signature_of(text) {
                    let rows = &sig[band * ROWS..(band + 1) * ROWS];
                    let key = rows
                        .iter()
                        .fold(band as u64, |h, &r| fmix64(h ^ u64::from(r)));
                    keys.push((key, text));
                }
            }
            keys.sort_unstable();
            for bucket in keys.chunk_by(|a, b| a.0 == b.0) {
                let mut representatives: Vec<u32> = Vec::with_capacity(BUCKET_REPRESENTATIVES);
                for &(_, text) in bucket {
                    let mut joined = false;
                    for &rep in &representatives {
                        if sets.find(rep) == sets.find(text) {
                            joined = true;
                            break;
                        }
                        if let (Some(a), Some(b)) =
                            (self.signature_of(rep), self.signature_of(text))
                            && similarity(a, b) >= THRESHOLD
                        {
                            sets.union(rep, text);
                            joined = true;
                            break;
                        }
                    }
                    if !joined && representatives.len() < BUCKET_REPRESENTATIVES {
                        representatives.push(text);
                    }
                }
            }
        }
        // Per set: its lowest comment id.
        let mut first: HashMap<u32, i64> = HashMap::new();
        for &(id, text) in &self.comments {
            if Some(text) == self.empty {
                continue;
            }
            let lowest = first.entry(sets.find(text)).or_insert(id);
            *lowest = (*lowest).min(id);
        }
        self.comments
            .iter()
            .map(|&(id, text)| {
                let root = sets.find(text);
                let cluster_id = first
                    .get(&root)
                    .filter(|_| Some(text) != self.empty)
                    .copied();
                Placement {
                    id,
                    text_hash: hex::encode(self.hashes[text as usize]),
                    cluster_id,
                }
            })
            .collect()
    }
}

/// Disjoint sets over `0..n`, with path halving and union by size.
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).filter_map(|i| u32::try_from(i).ok()).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        let (big, small) = if self.size[a as usize] >= self.size[b as usize] {
            (a, b)
        } else {
            (b, a)
        };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
    }
}

/// The stored text hash (hex SHA-256 of the normalised text) of a comment
/// body, and whether the text can cluster at all (a text that normalises
/// to nothing, such as "-", never does).
pub fn hash_of(body: &str) -> (String, bool) {
    let normalised = normalise(body);
    (hex::encode(text_hash(&normalised)), !normalised.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// splitmix64: a small deterministic generator for test data.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            fmix64(self.0)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
    }

    /// 3,000 made-up words of two to four syllables.
    fn vocabulary(rng: &mut Rng) -> Vec<String> {
        const SYLLABLES: [&str; 24] = [
            "ka", "lo", "mi", "ne", "tor", "sa", "ve", "pri", "dum", "el", "qua", "ris", "bo",
            "tec", "nal", "ur", "fi", "gen", "ho", "jas", "wen", "zy", "ost", "pe",
        ];
        (0..3000)
            .map(|_| {
                (0..2 + rng.below(3))
                    .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                    .collect()
            })
            .collect()
    }

    fn words(rng: &mut Rng, vocabulary: &[String], n: usize) -> Vec<String> {
        (0..n)
            .map(|_| vocabulary[rng.below(vocabulary.len())].clone())
            .collect()
    }

    /// A form letter as someone sent it: a few words changed, inserted or
    /// deleted, punctuation and case changed, sometimes a greeting or a
    /// signature added.
    fn variant(rng: &mut Rng, vocabulary: &[String], template: &[String]) -> String {
        let mut text = template.to_vec();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(text.len());
            match rng.below(3) {
                0 => text[at] = vocabulary[rng.below(vocabulary.len())].clone(),
                1 => text.insert(at, vocabulary[rng.below(vocabulary.len())].clone()),
                _ => {
                    text.remove(at);
                }
            }
        }
        let mut out = String::new();
        if rng.chance(40) {
            out.push_str("Dear NIST,\n\n");
        }
        for (i, word) in text.iter().enumerate() {
            if i > 0 {
                out.push_str(if rng.chance(8) { ", " } else { " " });
            }
            if rng.chance(5) {
                out.push_str(&word.to_uppercase());
            } else {
                out.push_str(word);
            }
            if rng.chance(6) {
                out.push('.');
            }
        }
        if rng.chance(30) {
            out.push_str(&format!(
                "\n\nSincerely, {}",
                vocabulary[rng.below(vocabulary.len())]
            ));
        }
        out
    }

    /// (comment id, true group, text): 50 templates × 20 variants, 500
    /// unrelated comments and 100 near misses, each its own group.
    fn test_set(rng: &mut Rng) -> Vec<(i64, usize, String)> {
        let vocabulary = vocabulary(rng);
        let mut out = Vec::new();
        for template in 0..50 {
            let length = 120 + rng.below(180);
            let base = words(rng, &vocabulary, length);
            for _ in 0..20 {
                out.push((0, template, variant(rng, &vocabulary, &base)));
            }
        }
        for other in 0..500 {
            let length = 10 + rng.below(200);
            out.push((0, 1000 + other, words(rng, &vocabulary, length).join(" ")));
        }
        // Near misses: 100 comments quoting half of a form letter, then
        // saying as much of their own (Jaccard about 1/3): not duplicates.
        for other in 0..100 {
            let quoted = &out[rng.below(1000)].2;
            let half: Vec<&str> = quoted
                .split(' ')
                .take(quoted.split(' ').count() / 2)
                .collect();
            let own = words(rng, &vocabulary, half.len());
            out.push((
                0,
                2000 + other,
                format!("{} {}", half.join(" "), own.join(" ")),
            ));
        }
        // Interleaved, as comments arrive.
        for i in (1..out.len()).rev() {
            out.swap(i, rng.below(i + 1));
        }
        for (i, row) in out.iter_mut().enumerate() {
            row.0 = i as i64 + 1;
        }
        out
    }

    fn pairs(n: usize) -> usize {
        n * n.saturating_sub(1) / 2
    }

    #[test]
    fn normalising_keeps_letters_and_digits_only() {
        assert_eq!(
            normalise("  Hello, WORLD!\n\t42 — Ünïcode…  "),
            "hello world 42 ünïcode"
        );
        assert_eq!(normalise("¡¿?!"), "");
        assert_eq!(normalise("ÉCOLE d’été"), "école d été");
        assert_eq!(text_hash("a b"), text_hash(&normalise("A, b!")));
    }

    #[test]
    fn signatures_are_deterministic_and_estimate_similarity() {
        let a = normalise("the quick brown fox jumps over the lazy dog near the river bank today");
        let mut one = [0u32; HASHES];
        let mut two = [0u32; HASHES];
        signature(&shingles(&a), &mut one);
        signature(&shingles(&a), &mut two);
        assert_eq!(one, two);
        assert_eq!(similarity(&one, &two), 1.0);
        let b = normalise(
            "a completely different sentence about standards and identity proofing rules",
        );
        signature(&shingles(&b), &mut two);
        assert!(similarity(&one, &two) < 0.2);
    }

    fn cluster(texts: &[&str]) -> Vec<Option<i64>> {
        let mut clusterer = Clusterer::new();
        for (i, text) in texts.iter().enumerate() {
            clusterer.add(i as i64 + 1, text);
        }
        clusterer
            .finish()
            .into_iter()
            .map(|p| p.cluster_id)
            .collect()
    }

    #[test]
    fn exact_and_near_duplicates_cluster_under_the_lowest_id() {
        let letter = "I am writing to urge NIST to require that every connected consumer device \
                      ship with a clear label describing how long it will receive security \
                      updates and how owners will be told when that support ends. Thank you.";
        let edited = letter.replace("clear", "plain").to_uppercase();
        let clusters = cluster(&[
            "Something else entirely, about section 4.2 and the glossary entries.",
            letter,
            &format!("Dear NIST, {edited}"),
            "Typo.",
            "typo!",
            "Typos.",
            letter,
            "",
            "  ",
        ]);
        assert_eq!(
            clusters,
            [
                Some(1),
                Some(2),
                Some(2),
                Some(4),
                Some(4),
                Some(6),
                Some(2),
                None,
                None
            ]
        );
    }

    #[test]
    fn short_texts_cluster_only_when_identical() {
        // Two shingles each, one word apart: not clustered.
        assert_eq!(
            cluster(&["add a label", "add the label"]),
            [Some(1), Some(2)]
        );
        assert_eq!(
            cluster(&["Add a label.", "add a LABEL"]),
            [Some(1), Some(1)]
        );
    }

    #[test]
    fn recall_and_precision_on_generated_form_letters() {
        let mut rng = Rng(7);
        let set = test_set(&mut rng);
        let mut clusterer = Clusterer::new();
        for (id, _, text) in &set {
            clusterer.add(*id, text);
        }
        let placements = clusterer.finish();
        let mut by_pair: HashMap<(usize, i64), usize> = HashMap::new();
        let mut by_group: HashMap<usize, usize> = HashMap::new();
        let mut by_cluster: HashMap<i64, usize> = HashMap::new();
        for ((_, group, _), placement) in set.iter().zip(&placements) {
            let cluster = placement.cluster_id.unwrap_or(-placement.id);
            *by_pair.entry((*group, cluster)).or_default() += 1;
            *by_group.entry(*group).or_default() += 1;
            *by_cluster.entry(cluster).or_default() += 1;
        }
        let found: usize = by_pair.values().map(|&n| pairs(n)).sum();
        let truth: usize = by_group.values().map(|&n| pairs(n)).sum();
        let predicted: usize = by_cluster.values().map(|&n| pairs(n)).sum();
        let recall = found as f64 / truth as f64;
        let precision = found as f64 / predicted as f64;
        println!(
            "{} comments: {truth} true pairs, {predicted} predicted, {found} correct; \
             recall {recall:.4}, precision {precision:.4}",
            set.len()
        );
        assert!(recall >= 0.95, "recall {recall}");
        assert!(precision >= 0.95, "precision {precision}");
    }
}
