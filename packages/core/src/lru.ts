/**
 * A bounded map that forgets the least recently used entry first: an isolate's memory of things that never change
 * (who a key is), so a busy isolate keeps the ones in use. `get` counts as a use.
 */
export class Lru<V> {
	readonly #entries = new Map<string, V>();
	readonly #capacity: number;

	constructor(capacity: number) {
		this.#capacity = capacity;
	}

	get(key: string): V | undefined {
		const value = this.#entries.get(key);
		if (value !== undefined) this.set(key, value);
		return value;
	}

	set(key: string, value: V): void {
		// Deleted first, so the key moves to the end of the map's order: the most recently used.
		this.#entries.delete(key);
		this.#entries.set(key, value);
		if (this.#entries.size > this.#capacity) {
			const oldest = this.#entries.keys().next().value;
			if (oldest !== undefined) this.#entries.delete(oldest);
		}
	}

	delete(key: string): void {
		this.#entries.delete(key);
	}
}
