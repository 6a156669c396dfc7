/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed keys (`metadata[top_up_id]=…`,
 * `line_items[0][price_data][unit_amount]=1000`, `expand[]=payment_intent` or `expand[0]=…`), as the SDK writes
 * them. Objects whose keys are all indexes become arrays.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };

function segments(key: string): string[] {
	const first = key.indexOf("[");
	if (first === -1) return [key];
	const out = [key.slice(0, first)];
	for (const match of key.slice(first).matchAll(/\[([^\]]*)\]/g)) out.push(match[1] ?? "");
	return out;
}

type Node = { [key: string]: Node | string };

function arrays(node: Node | string): FormValue {
	if (typeof node === "string") return node;
	const keys = Object.keys(node);
	const values = Object.fromEntries(keys.map((k) => [k, arrays(node[k] as Node | string)]));
	if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
		return keys.sort((a, b) => Number(a) - Number(b)).map((k) => values[k] as FormValue);
	}
	return values;
}

export function parseForm(text: string): Record<string, FormValue> {
	const root: Node = {};
	for (const [key, value] of new URLSearchParams(text)) {
		const path = segments(key);
		let node = root;
		for (let i = 0; i < path.length; i++) {
			let part = path[i] as string;
			const last = i === path.length - 1;
			// `a[]=x`: the next index of `a`.
			if (part === "") part = String(Object.keys(node).length);
			if (last) node[part] = value;
			else {
				const next = node[part];
				if (typeof next !== "object") node[part] = {};
				node = node[part] as Node;
			}
		}
	}
	return arrays(root) as Record<string, FormValue>;
}

export function str(value: FormValue | undefined): string | undefined {
	return typeof value === "string" ? value : undefined;
}

export function int(value: FormValue | undefined): number | undefined {
	const text = str(value);
	if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
	return Number(text);
}

export function record(value: FormValue | undefined): Record<string, FormValue> {
	return typeof value === "object" && !Array.isArray(value) ? value : {};
}

export function list(value: FormValue | undefined): FormValue[] {
	if (Array.isArray(value)) return value;
	if (value === undefined) return [];
	return [value];
}
