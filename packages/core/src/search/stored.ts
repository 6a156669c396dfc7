import type { AsPlainObject } from "minisearch";
import { TermIndex } from "./engine.ts";
import type { SearchIndexData, SearchIndexDataV1, ServiceRow } from "./format.ts";
import { encodeInts } from "./ints.ts";

function categoriesOf(rows: readonly ServiceRow[]): string[] {
	return [...new Set(rows.map((r) => r[2]))].sort();
}

/** The stored index of `rows` (by document id) and MiniSearch's serialization of their documents. */
export function toStoredData(
	rows: readonly ServiceRow[],
	plain: AsPlainObject,
	stamps: Pick<SearchIndexData, "built_at" | "refreshed_at">,
): SearchIndexData {
	const categories = categoriesOf(rows);
	const position = new Map(categories.map((c, i) => [c, i]));
	return {
		version: 2,
		built_at: stamps.built_at,
		...(stamps.refreshed_at !== undefined ? { refreshed_at: stamps.refreshed_at } : {}),
		categories,
		ids: rows.map((r) => r[0]),
		names: rows.map((r) => r[1]),
		category_of: encodeInts(rows.map((r) => position.get(r[2]) ?? 0)),
		rows: rows.map((r) => JSON.stringify(r)),
		index: TermIndex.fromPlain(plain),
	};
}

/** An index stored before format 2, in format 2 (a registry seeded before an upgrade answers until its next seed). */
export function upgradeIndexData(data: SearchIndexData | SearchIndexDataV1): SearchIndexData {
	if (data.version === 2) return data;
	return toStoredData(data.services, data.index, data);
}

/** The rows of a stored index, parsed (the refresh rewrites some of them). */
export function rowsOf(data: SearchIndexData): ServiceRow[] {
	return data.rows.map((text) => JSON.parse(text) as ServiceRow);
}
