import type { MessageParam, ToolResultBlockParam, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";

/** A tool call left without a result when a turn ends: its round's earlier results and later calls. */
export interface Unanswered {
	tool_use_id: string;
	done: ToolResultBlockParam[];
	rest: ToolUseBlock[];
}

/**
 * The conversation as the model reads it (table `transcript`): user and assistant messages alternating, every
 * tool_use answered by a tool_result in the next message, or the model API refuses the next call.
 */
export class Transcript {
	readonly #storage: DurableObjectStorage;

	constructor(storage: DurableObjectStorage) {
		this.#storage = storage;
		storage.sql.exec(
			"CREATE TABLE IF NOT EXISTS transcript (idx INTEGER PRIMARY KEY AUTOINCREMENT, role TEXT NOT NULL, content TEXT NOT NULL)",
		);
	}

	messages(): MessageParam[] {
		return this.#storage.sql
			.exec<{ role: "user" | "assistant"; content: string }>(
				"SELECT role, content FROM transcript ORDER BY idx",
			)
			.toArray()
			.map((row) => ({ role: row.role, content: JSON.parse(row.content) }));
	}

	/** Whether the last message is the user's: a turn that ends there needs an assistant line to keep alternating. */
	endsWithUser(): boolean {
		const last = this.#storage.sql
			.exec<{ role: string }>("SELECT role FROM transcript ORDER BY idx DESC LIMIT 1")
			.toArray()[0];
		return last?.role === "user";
	}

	push(message: MessageParam): void {
		this.#storage.sql.exec(
			"INSERT INTO transcript (role, content) VALUES (?, ?)",
			message.role,
			JSON.stringify(message.content),
		);
	}

	/** Replaces the whole transcript at once (after the middle was summarized to fit the token budget). */
	replace(messages: MessageParam[]): void {
		this.#storage.transactionSync(() => {
			this.#storage.sql.exec("DELETE FROM transcript");
			for (const m of messages) this.push(m);
		});
	}

	/**
	 * Closes a paused call when the turn ends without the owner's decision: its result says `why`, later calls of
	 * its round are marked not run, and a short assistant line (`closing`) keeps the messages alternating.
	 */
	closeUnanswered(call: Unanswered, why: string, closing: string): void {
		this.push({
			role: "user",
			content: [
				...call.done,
				{ type: "tool_result", tool_use_id: call.tool_use_id, content: why },
				...call.rest.map(
					(block): ToolResultBlockParam => ({
						type: "tool_result",
						tool_use_id: block.id,
						content: "Not run: the turn ended before this call.",
					}),
				),
			],
		});
		this.push({ role: "assistant", content: closing });
	}
}
