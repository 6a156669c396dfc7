import { toErrorMessage } from "@penumbra/core/errors";
import { isRecord, pointerGet, pointerJoin } from "@penumbra/core/registry";
import { parseSpecText } from "./scaffold-parse.ts";
import { type ScaffoldContext, specChange } from "./scaffold-types.ts";
import { allRefs, forEachRef, type NodeKind, type RefSite } from "./scaffold-walk.ts";

/** Reads the text of another document a `$ref` names (a file next to the spec). */
export type RefLoader = (url: string) => Promise<string>;

/** Where an external target is copied to, by the kind of object the `$ref` stood for. */
const SECTION: Partial<Record<NodeKind, string>> = {
	schema: "schemas",
	parameter: "parameters",
	response: "responses",
	requestBody: "requestBodies",
	header: "headers",
	example: "examples",
	link: "links",
	callback: "callbacks",
};

const MISSING = "x-scaffold-missing-ref";

interface Pending {
	node: unknown;
	kind: NodeKind;
	pointer: string;
	/** URL of the document `node` came from; `#...` refs inside it are relative to that document. */
	base: string;
}

/**
 * Makes the document self-contained: refs that name this same spec by URL or file name become local,
 * targets in sibling files (next to a local spec, never above it) are copied into `components`, and
 * anything else external is refused. Nothing is fetched from the network here.
 */
export async function bundleExternalRefs(
	ctx: ScaffoldContext,
	rootUrl: string,
	load: RefLoader | undefined,
): Promise<void> {
	const root = new URL(rootUrl);
	root.hash = "";
	const rootHref = root.href;
	const rootDir = rootHref.slice(0, rootHref.lastIndexOf("/") + 1);
	const shown = (href: string) =>
		href.startsWith(rootDir) && root.protocol === "file:" ? href.slice(rootDir.length) : href;
	const docs = new Map<string, Promise<{ ok: true; value: unknown } | { ok: false; message: string }>>();
	const hoisted = new Map<string, string>();
	const queue: Pending[] = [{ node: ctx.doc, kind: "document", pointer: "", base: rootHref }];

	const loadDoc = (href: string) => {
		let entry = docs.get(href);
		if (!entry) {
			entry = (async () => {
				if (!load) return { ok: false as const, message: "no loader was given for external files" };
				try {
					const parsed = parseSpecText(await load(href), shown(href));
					return parsed.ok
						? { ok: true as const, value: parsed.value }
						: { ok: false as const, message: parsed.problems.map((p) => p.message).join("; ") };
				} catch (error) {
					return { ok: false as const, message: toErrorMessage(error) };
				}
			})();
			docs.set(href, entry);
		}
		return entry;
	};

	while (queue.length > 0) {
		const item = queue.shift() as Pending;
		const sites: RefSite[] = [];
		forEachRef(item.node, item.kind, item.pointer, (site) => sites.push(site));
		for (const site of sites) {
			if (item.base === rootHref && site.ref.startsWith("#")) continue;
			const hashAt = site.ref.indexOf("#");
			const docPart = hashAt >= 0 ? site.ref.slice(0, hashAt) : site.ref;
			const fragment = hashAt >= 0 ? site.ref.slice(hashAt + 1) : "";
			let target: URL;
			try {
				target = new URL(docPart, item.base);
			} catch {
				ctx.problems.push({
					file: ctx.source,
					path: pointerJoin(site.pointer, "$ref"),
					message: `$ref ${JSON.stringify(site.ref)} is not a valid URI reference`,
				});
				continue;
			}
			target.hash = "";
			const href = target.href;
			if (href === rootHref) {
				specChange(ctx, {
					pointer: pointerJoin(site.pointer, "$ref"),
					before: site.ref,
					after: `#${fragment}`,
					reason: "the $ref names this same spec by its file name or URL; it is now a local reference",
				});
				site.holder.$ref = `#${fragment}`;
				continue;
			}
			const sibling = root.protocol === "file:" && target.protocol === "file:" && href.startsWith(rootDir);
			if (!sibling) {
				ctx.problems.push({
					file: ctx.source,
					path: pointerJoin(site.pointer, "$ref"),
					message:
						root.protocol === "file:"
							? `$ref ${JSON.stringify(site.ref)} points outside the spec's folder; copy that file next to the spec or bundle the spec into one file`
							: `$ref ${JSON.stringify(site.ref)} points to another document (${href}); only refs into the spec itself are followed for a spec fetched by URL: bundle it into one file, or download the files and use --openapi-file`,
				});
				continue;
			}
			const loaded = await loadDoc(href);
			if (!loaded.ok) {
				ctx.problems.push({
					file: ctx.source,
					path: pointerJoin(site.pointer, "$ref"),
					message: `cannot read ${shown(href)} for $ref ${JSON.stringify(site.ref)}: ${loaded.message}`,
				});
				continue;
			}
			let pointer: string;
			try {
				pointer = decodeURIComponent(fragment);
			} catch {
				pointer = "\u0000";
			}
			const value = pointer === "" || pointer.startsWith("/") ? pointerGet(loaded.value, pointer) : undefined;
			if (value === undefined) {
				ctx.problems.push({
					file: ctx.source,
					path: pointerJoin(site.pointer, "$ref"),
					message: `$ref ${JSON.stringify(site.ref)}: ${shown(href)} has nothing at ${JSON.stringify(fragment || "/")}`,
				});
				continue;
			}
			const section = SECTION[site.kind];
			const key = `${href}#${pointer}`;
			if (section) {
				let local = hoisted.get(key);
				if (!local) {
					const components = ensureRecord(ctx.doc, "components");
					const bucket = ensureRecord(components, section);
					const name = uniqueName(bucket, nameFor(pointer, href));
					bucket[name] = structuredClone(value);
					local = `#${pointerJoin("/components", section, name)}`;
					hoisted.set(key, local);
					queue.push({ node: bucket[name], kind: site.kind, pointer: local.slice(1), base: href });
				}
				specChange(ctx, {
					pointer: pointerJoin(site.pointer, "$ref"),
					before: site.ref,
					after: local,
					reason: `copied from ${shown(href)} into components/${section} so the spec is one file`,
				});
				site.holder.$ref = local;
			} else {
				if (!isRecord(value)) {
					ctx.problems.push({
						file: ctx.source,
						path: pointerJoin(site.pointer, "$ref"),
						message: `$ref ${JSON.stringify(site.ref)} must point to an object`,
					});
					continue;
				}
				delete site.holder.$ref;
				Object.assign(site.holder, structuredClone(value));
				specChange(ctx, {
					pointer: site.pointer,
					before: { $ref: site.ref },
					after: "(the referenced object, inlined)",
					reason: `inlined from ${shown(href)} so the spec is one file`,
				});
				queue.push({ node: site.holder, kind: site.kind, pointer: site.pointer, base: href });
			}
		}
	}
}

/**
 * Repairs local refs to nothing. A missing schema becomes "any value" and a missing response or header
 * an empty stub, each marked `x-scaffold-missing-ref` and listed as a change: the upstream still checks
 * its inputs, so the tool stays usable. A missing parameter, request body or path item cannot be
 * invented (its name and location are unknown), so it is refused with the closest existing name.
 */
export function repairDanglingRefs(ctx: ScaffoldContext): void {
	const sites: RefSite[] = [];
	forEachRef(ctx.doc, "document", "", (site) => sites.push(site));
	const walked = new Set(sites.map((s) => s.pointer));
	for (const site of sites) {
		if (!site.ref.startsWith("#")) continue;
		let pointer: string;
		try {
			pointer = decodeURIComponent(site.ref.slice(1));
		} catch {
			pointer = "\u0000";
		}
		if (pointer !== "" && !pointer.startsWith("/")) {
			ctx.problems.push({
				file: ctx.source,
				path: pointerJoin(site.pointer, "$ref"),
				message: `$ref ${JSON.stringify(site.ref)} is not a JSON pointer (anchors are not supported); write it as #/components/...`,
			});
			continue;
		}
		if (pointerGet(ctx.doc, pointer) !== undefined) continue;
		const near = closestComponent(ctx.doc, pointer);
		const hint = near ? ` (did you mean ${JSON.stringify(`#${near}`)}?)` : "";
		const at = pointerJoin(site.pointer, "$ref");
		if (
			site.kind === "schema" ||
			site.kind === "response" ||
			site.kind === "header" ||
			site.kind === "example" ||
			site.kind === "link"
		) {
			delete site.holder.$ref;
			site.holder[MISSING] = site.ref;
			if (site.kind === "response") site.holder.description = `(missing from the spec: ${site.ref})`;
			specChange(ctx, {
				pointer: site.pointer,
				before: { $ref: site.ref },
				after: site.kind === "schema" ? { [MISSING]: site.ref } : site.holder,
				reason:
					site.kind === "schema"
						? `the spec has no schema at ${site.ref}${hint}; it now accepts any value and the upstream validates it`
						: `the spec has nothing at ${site.ref}${hint}; replaced with an empty ${site.kind}`,
				check: true,
			});
			continue;
		}
		ctx.problems.push({
			file: ctx.source,
			path: at,
			message: `$ref ${JSON.stringify(site.ref)} points to nothing${hint}; a ${site.kind} cannot be guessed: fix the reference in the spec`,
		});
	}

	// Refs inside literal data (schema examples, defaults) are data, not references.
	const literal = allRefs(ctx.doc).filter(
		(r) =>
			!walked.has(r.pointer) &&
			!(r.ref.startsWith("#") && pointerGet(ctx.doc, safeDecode(r.ref.slice(1))) !== undefined),
	);
	if (literal.length > 0) {
		const first = literal[0] as { pointer: string; ref: string };
		ctx.warnings.push({
			file: ctx.source,
			path: first.pointer,
			message: `${literal.length} $ref${literal.length === 1 ? "" : "s"} inside example or default values (first: ${JSON.stringify(first.ref)}) point to nothing in the spec; OpenAPI treats them as literal data, so they were left as they are`,
		});
	}
}

function safeDecode(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}

function ensureRecord(parent: Record<string, unknown>, key: string): Record<string, unknown> {
	const existing = parent[key];
	if (isRecord(existing)) return existing;
	const fresh: Record<string, unknown> = {};
	parent[key] = fresh;
	return fresh;
}

function nameFor(pointer: string, href: string): string {
	const last = pointer.split("/").pop()?.replaceAll("~1", "/").replaceAll("~0", "~") ?? "";
	const file = href.slice(href.lastIndexOf("/") + 1).replace(/\.(ya?ml|json)$/i, "");
	const raw = last && !/^\d+$/.test(last) ? last : file;
	return raw.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "") || "Imported";
}

function uniqueName(bucket: Record<string, unknown>, wanted: string): string {
	if (!(wanted in bucket)) return wanted;
	for (let i = 2; ; i++) if (!(`${wanted}_${i}` in bucket)) return `${wanted}_${i}`;
}

/** The existing component in the same section whose name is nearest to the missing one. */
function closestComponent(doc: Record<string, unknown>, pointer: string): string | undefined {
	const m = /^\/components\/([^/]+)\/([^/]+)$/.exec(pointer);
	if (!m) return undefined;
	const [, section = "", name = ""] = m;
	const components = doc.components;
	const bucket = isRecord(components) ? components[section] : undefined;
	if (!isRecord(bucket)) return undefined;
	let best: { name: string; distance: number } | undefined;
	for (const candidate of Object.keys(bucket)) {
		const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
		if (!best || distance < best.distance) best = { name: candidate, distance };
	}
	if (!best || best.distance > Math.max(3, Math.ceil(name.length / 2))) return undefined;
	return pointerJoin("/components", section, best.name);
}

function levenshtein(a: string, b: string): number {
	let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
	for (let i = 1; i <= a.length; i++) {
		const row = [i];
		for (let j = 1; j <= b.length; j++) {
			row[j] = Math.min(
				(prev[j] ?? 0) + 1,
				(row[j - 1] ?? 0) + 1,
				(prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
			);
		}
		prev = row;
	}
	return prev[b.length] ?? 0;
}
