import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";
import { z } from "zod";

/**
 * The installed SDK's table of deprecated models (model id → end of life). Not in the package's exports map, so it
 * is read from the file the SDK itself uses to warn.
 */
function deprecatedModels(): Record<string, string> {
	const require = createRequire(import.meta.url);
	const sdk = dirname(require.resolve("@anthropic-ai/sdk"));
	const table: unknown = require(join(sdk, "internal", "data", "deprecated-models.js")).DEPRECATED_MODELS;
	return z.record(z.string(), z.string()).parse(table);
}

describe("the chat Worker's default model", () => {
	const { rawConfig } = experimental_readRawConfig({ config: "workers/chat/wrangler.toml" });
	const model = z.object({ ANTHROPIC_MODEL: z.string().min(1) }).parse(rawConfig.vars).ANTHROPIC_MODEL;

	it("is not deprecated by the installed Anthropic SDK", () => {
		const table = deprecatedModels();
		// The table is real (it lists the models that ended before), so an empty lookup proves something.
		expect(Object.keys(table).length).toBeGreaterThan(0);
		expect(
			table[model],
			`${model} is deprecated (end of life ${table[model]}): pick a current model`,
		).toBeUndefined();
	});

	it("is a model the SDK knows", () => {
		const types = readFileSync(
			join(
				dirname(createRequire(import.meta.url).resolve("@anthropic-ai/sdk")),
				"resources",
				"messages",
				"messages.d.ts",
			),
			"utf8",
		);
		expect(types).toContain(`'${model}'`);
	});
});
