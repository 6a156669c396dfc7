/** Damerau-free Levenshtein distance, O(n·m) with two rows. */
export function editDistance(a: string, b: string): number {
	let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		const row = [i];
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
		}
		prev = row;
	}
	return prev[b.length] ?? 0;
}

/** Up to `limit` candidates close to `input` (by edit distance or shared prefix/substring), closest first. */
export function closest(input: string, candidates: readonly string[], limit = 3): string[] {
	const needle = input.toLowerCase();
	const threshold = Math.max(2, Math.floor(needle.length / 3));
	return candidates
		.map((candidate) => {
			const c = candidate.toLowerCase();
			const contains = needle.length >= 3 && c.length >= 3 && (c.includes(needle) || needle.includes(c));
			return { candidate, score: contains ? 0 : editDistance(needle, c) };
		})
		.filter((s) => s.score <= threshold)
		.sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate))
		.slice(0, limit)
		.map((s) => s.candidate);
}
