// Fuzzy matching of what a person or model says ("kitchen lamp", "bedrom light") against entity
// ids, friendly names, areas and devices: the model never knows exact ids. Also used to name
// the closest matches when an entity id is wrong.

function normalize(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[._\-/]+/g, ' ')
    .replace(/[^a-z0-9 ]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function trigrams(text: string): Set<string> {
  const padded = `  ${text} `;
  const grams = new Set<string>();
  for (let i = 0; i < padded.length - 2; i++) grams.add(padded.slice(i, i + 3));
  return grams;
}

/** Dice coefficient over character trigrams, 0..1. */
export function similarity(a: string, b: string): number {
  const left = trigrams(normalize(a));
  const right = trigrams(normalize(b));
  if (left.size === 0 || right.size === 0) return 0;
  let shared = 0;
  for (const gram of left) if (right.has(gram)) shared++;
  return (2 * shared) / (left.size + right.size);
}

function wordScore(word: string, haystack: string, haystackWords: string[]): number {
  if (haystackWords.includes(word)) return 1;
  if (haystackWords.some((w) => w.startsWith(word))) return 0.85;
  if (haystack.includes(word)) return 0.7;
  let best = 0;
  for (const candidate of haystackWords) best = Math.max(best, similarity(word, candidate));
  return best >= 0.5 ? best * 0.7 : 0;
}

/**
 * Score of a query against the texts that describe one thing (id, name, area, device), 0..1.
 * Every query word must find a home somewhere; a phrase match of the whole query scores highest.
 */
export function matchScore(query: string, texts: ReadonlyArray<string | undefined>): number {
  const q = normalize(query);
  if (!q) return 1;
  const haystack = normalize(texts.filter(Boolean).join(' '));
  if (!haystack) return 0;
  if (` ${haystack} `.includes(` ${q} `)) return 1;
  if (haystack.includes(q)) return 0.9;
  const words = q.split(' ');
  const haystackWords = haystack.split(' ');
  let total = 0;
  for (const word of words) {
    const score = wordScore(word, haystack, haystackWords);
    if (score === 0) return 0;
    total += score;
  }
  return (total / words.length) * 0.95;
}

/** The candidates most like `wanted`, best first (for "did you mean" hints). */
export function closestMatches(
  wanted: string,
  candidates: Iterable<{ id: string; texts: ReadonlyArray<string | undefined> }>,
  limit = 5,
): string[] {
  const scored: Array<{ id: string; score: number }> = [];
  for (const candidate of candidates) {
    const score = Math.max(
      similarity(wanted, candidate.id),
      matchScore(wanted, candidate.texts) * 0.9,
    );
    if (score > 0.25) scored.push({ id: candidate.id, score });
  }
  return scored
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map((s) => s.id);
}
