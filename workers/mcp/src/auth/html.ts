/** Markup that is already safe: only `html` and `raw` make one. */
export class Html {
	readonly value: string;

	constructor(value: string) {
		this.value = value;
	}

	toString(): string {
		return this.value;
	}
}

export function escapeHtml(value: string): string {
	return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(value: unknown): string {
	if (value instanceof Html) return value.value;
	if (Array.isArray(value)) return value.map(render).join("");
	if (value === null || value === undefined || value === false) return "";
	return escapeHtml(String(value));
}

/** A template whose every interpolation is escaped, unless it is itself `Html` (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
	let out = strings[0] ?? "";
	for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "");
	return new Html(out);
}

/** Trusted constant markup. Never pass anything that came from a request, a client or the gateway. */
export function raw(value: string): Html {
	return new Html(value);
}

const CSS = `
:root { color-scheme: light dark; --fg: #1b1d21; --muted: #5b6270; --bg: #f6f7f9; --card: #fff; --line: #dfe2e8;
  --accent: #3b4ee0; --accent-fg: #fff; --danger: #b42318; --ok: #067647; --warn-bg: #fff7e6; --warn-line: #f5c26b; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8eaee; --muted: #a0a7b4; --bg: #121418; --card: #1b1e24;
  --line: #2e333c; --accent: #7d8cff; --accent-fg: #0d0f14; --danger: #ff8a80; --ok: #6fdc9c; --warn-bg: #2b2416;
  --warn-line: #8a6a2a; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); }
main { max-width: 30rem; margin: 3rem auto; padding: 0 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 1.5rem; }
.brand { font-weight: 600; letter-spacing: .02em; color: var(--muted); margin: 0 0 1rem; }
h1 { font-size: 1.35rem; line-height: 1.3; margin: 0 0 .75rem; }
h2 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
p, ul { margin: 0 0 .75rem; }
ul { padding-left: 1.25rem; }
.muted { color: var(--muted); font-size: .9rem; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
input[type=email], input[type=text], input[type=password] { width: 100%; padding: .6rem .7rem; font: inherit;
  color: inherit; background: transparent; border: 1px solid var(--line); border-radius: 8px; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.row { display: flex; gap: .5rem; flex-wrap: wrap; margin-top: 1rem; }
button { font: inherit; font-weight: 600; padding: .6rem 1rem; border-radius: 8px; border: 1px solid var(--line);
  background: transparent; color: inherit; cursor: pointer; }
button.primary { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
button.link { border: 0; padding: 0; font-weight: 400; color: var(--accent); text-decoration: underline; }
.or { display: flex; align-items: center; gap: .75rem; color: var(--muted); margin: 1.25rem 0 .25rem; font-size: .9rem; }
.or::before, .or::after { content: ""; flex: 1; border-top: 1px solid var(--line); }
.notice { border: 1px solid var(--warn-line); background: var(--warn-bg); border-radius: 8px; padding: .6rem .8rem; }
.error { color: var(--danger); font-weight: 600; }
.ok { color: var(--ok); font-weight: 600; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0 0 1rem; }
dt { color: var(--muted); }
dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
a { color: var(--accent); }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, monospace; }
`;

/** Pages run no script at all; styles are inline; nobody may frame them (clickjacking on Approve / Confirm). */
export const PAGE_HEADERS: Record<string, string> = {
	"content-type": "text/html; charset=utf-8",
	"cache-control": "no-store",
	"content-security-policy":
		"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
	"x-frame-options": "DENY",
	"x-content-type-options": "nosniff",
	// Not no-referrer: with it browsers send `Origin: null` on our own form posts, which the origin check refuses.
	"referrer-policy": "same-origin",
};

export function page(title: string, body: Html): string {
	return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · Penumbra</title>
<style>${raw(CSS)}</style>
</head>
<body>
<main>
<div class="card">
<p class="brand">Penumbra</p>
${body}
</div>
</main>
</body>
</html>`.value;
}

export function pageResponse(
	title: string,
	body: Html,
	init: { status?: number; headers?: Headers } = {},
): Response {
	const headers = new Headers(init.headers);
	for (const [name, value] of Object.entries(PAGE_HEADERS)) headers.set(name, value);
	return new Response(page(title, body), { status: init.status ?? 200, headers });
}

/** An error message with `role="alert"`, so screen readers announce it. */
export function alert(message: string | null | undefined): Html {
	return message ? html`<p class="error" role="alert">${message}</p>` : html``;
}

/** Whole dollars and cents from integer cents. */
export function money(cents: number): string {
	const sign = cents < 0 ? "-" : "";
	const abs = Math.abs(cents);
	return `${sign}$${Math.floor(abs / 100).toLocaleString("en-US")}.${String(abs % 100).padStart(2, "0")}`;
}
