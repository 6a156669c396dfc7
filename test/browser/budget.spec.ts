/**
 * Lighthouse-style budgets: the JavaScript a first visit loads stays ≤ 200 KB gzipped, measured two ways (what
 * web/dist/index.html pulls in, and what Chromium actually fetched to render the first page), and that first
 * visit logs no console error.
 */
import { readFileSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type BrowserStack, launchChromium, openTab, stack, stackReady } from "./browser.ts";

const DIST = resolve(import.meta.dirname, "../../web/dist");
const BUDGET_BYTES = 200 * 1024;

const gzipped = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;

/** Site-absolute paths of the scripts index.html loads up front: script tags and module preloads. */
function entryScripts(html: string): string[] {
	const tags = html.match(/<(?:script|link)\b[^>]*>/g) ?? [];
	return tags.flatMap((tag) => {
		const isScript = tag.startsWith("<script");
		const isPreload = /\brel=["']?modulepreload\b/.test(tag);
		if (!isScript && !isPreload) return [];
		const url = /\b(?:src|href)=["']?([^"' >]+)/.exec(tag)?.[1];
		return url && !/^[a-z]+:/i.test(url) ? [posix.resolve("/", url)] : [];
	});
}

/** The modules a script imports statically (`import … from "./x.js"`, `import "./x.js"`), as site paths. */
function staticImports(path: string, code: string): string[] {
	const found = code.matchAll(/\b(?:from|import)\s*["']([^"']+\.m?js)["']/g);
	return [...found].flatMap((m) => {
		const target = m[1];
		if (!target || /^[a-z]+:/i.test(target)) return [];
		return [target.startsWith("/") ? target : posix.resolve(posix.dirname(path), target)];
	});
}

describe("first-load budget", () => {
	let site: BrowserStack;
	let browser: Browser;
	beforeAll(async () => {
		if (!stackReady()) return;
		site = stack();
		browser = await launchChromium();
	});
	beforeEach(() => {
		// Without a stack (whose setup also builds web/dist) each test fails with the reason.
		stack();
	});
	afterAll(async () => {
		await browser?.close();
	});

	it("the scripts web/dist/index.html loads (and what they import) weigh ≤ 200 KB gzipped", () => {
		const pending = entryScripts(readFileSync(join(DIST, "index.html"), "utf8"));
		expect(pending.length, "index.html loads no script").toBeGreaterThan(0);
		const sizes = new Map<string, number>();
		while (pending.length > 0) {
			const path = pending.pop() as string;
			if (sizes.has(path)) continue;
			const bytes = readFileSync(join(DIST, path));
			sizes.set(path, gzipped(bytes));
			pending.push(...staticImports(path, bytes.toString("utf8")));
		}
		const total = [...sizes.values()].reduce((a, b) => a + b, 0);
		const detail = [...sizes].map(([path, size]) => `${path}: ${(size / 1024).toFixed(1)} KB`).join(", ");
		expect(total, detail).toBeLessThanOrEqual(BUDGET_BYTES);
	});

	it("a first visit fetches ≤ 200 KB of gzipped JavaScript and logs no error", async () => {
		const tab = await openTab(browser, site.siteUrl);
		try {
			const scripts: Promise<[string, number]>[] = [];
			tab.page.on("response", (response) => {
				if (response.request().resourceType() !== "script") return;
				scripts.push(response.body().then((body) => [new URL(response.url()).pathname, gzipped(body)]));
			});
			await tab.page.goto("/", { waitUntil: "networkidle" });
			await tab.screenshot("first-visit");
			const sizes = await Promise.all(scripts);
			expect(sizes.length, "the page loaded no script").toBeGreaterThan(0);
			const total = sizes.reduce((sum, [, size]) => sum + size, 0);
			const detail = sizes.map(([path, size]) => `${path}: ${(size / 1024).toFixed(1)} KB`).join(", ");
			expect(total, detail).toBeLessThanOrEqual(BUDGET_BYTES);
			expect(tab.problems).toEqual([]);
		} finally {
			await tab.close();
		}
	});
});
