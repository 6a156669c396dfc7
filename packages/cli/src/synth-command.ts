import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildRegistry } from "@penumbra/core/registry";
import { stringify } from "yaml";
import { type Command, flag, stringOption } from "./command.ts";
import { err, formatProblem, out, usageError } from "./output.ts";
import { synthProviderDocs, synthProviders } from "./synth.ts";

const DEFAULT_FOLDERS = ".wrangler/synth/providers";
const DEFAULT_KV = ".wrangler/synth/registry.json";
const MAX_COUNT = 100_000;

const ms = (n: number) => `${Math.round(n)} ms`;

const synth: Command = {
	name: "providers synth",
	summary: "Generate synthetic providers for benchmarks (deterministic by seed)",
	help: `Usage: penumbra providers synth --count N [--seed S] [--format folders|kv] [--out PATH] [--json]

Generates N synthetic providers across realistic categories (5-40 operations each, query, path
and body inputs, about a third of the sellers with a quote → purchase pair). The same seed
gives the same providers, and provider i does not depend on N.

Options:
  --count N        how many providers (1-${MAX_COUNT})
  --seed S         seed (number or text; default 1)
  --format F       folders: one <out>/<id>/ folder each (provider.yaml + openapi.json), default;
                   kv: compile them and write the registry as a wrangler kv bulk JSON file
  --out PATH       folder for folders (default ${DEFAULT_FOLDERS}), file for kv (default ${DEFAULT_KV})
  --upstream URL   upstream base, {id} replaced by the provider id (default https://{id}.synth.example)
  --json           print a JSON summary`,
	options: {
		count: { type: "string" },
		seed: { type: "string" },
		format: { type: "string" },
		out: { type: "string" },
		upstream: { type: "string" },
		json: { type: "boolean" },
	},
	async run(values) {
		const rawCount = stringOption(values, "count");
		const count = Number(rawCount);
		if (!rawCount || !Number.isInteger(count) || count < 1 || count > MAX_COUNT)
			throw usageError(`--count must be an integer from 1 to ${MAX_COUNT}`);
		const format = stringOption(values, "format") ?? "folders";
		if (format !== "folders" && format !== "kv") throw usageError('--format must be "folders" or "kv"');
		const rawSeed = stringOption(values, "seed");
		const seed = rawSeed === undefined ? 1 : /^\d+$/.test(rawSeed) ? Number(rawSeed) : rawSeed;
		const upstream = stringOption(values, "upstream");
		const json = flag(values, "json");
		const options = { count, seed, ...(upstream ? { upstream } : {}) };
		const started = performance.now();

		if (format === "folders") {
			const dir = stringOption(values, "out") ?? DEFAULT_FOLDERS;
			const docs = synthProviderDocs(options);
			const generated = performance.now();
			for (const doc of docs) {
				const folder = path.join(dir, doc.id);
				await mkdir(folder, { recursive: true });
				await writeFile(path.join(folder, "provider.yaml"), stringify(doc.manifest, { lineWidth: 0 }));
				await writeFile(path.join(folder, "openapi.json"), `${JSON.stringify(doc.spec, null, 1)}\n`);
			}
			const timings = {
				generate_ms: Math.round(generated - started),
				write_ms: Math.round(performance.now() - generated),
			};
			if (json) out(JSON.stringify({ format, out: dir, providers: docs.length, timings }, null, 2));
			else
				out(
					`wrote ${docs.length} providers to ${dir}/ (generate ${ms(timings.generate_ms)}, write ${ms(timings.write_ms)}); compile them with \`penumbra providers build --dir ${dir}\``,
				);
			return 0;
		}

		const file = stringOption(values, "out") ?? DEFAULT_KV;
		const now = new Date().toISOString();
		const compiled = synthProviders({ ...options, now });
		if (compiled.problems.length > 0) {
			for (const p of compiled.problems.slice(0, 20)) err(formatProblem(p));
			err(`error: ${compiled.problems.length} problems in synthetic providers (a synth bug)`);
			return 1;
		}
		const built = performance.now();
		const { entries } = buildRegistry(compiled.services, now);
		const buildMs = performance.now() - built;
		const text = `${JSON.stringify(entries)}\n`;
		await mkdir(path.dirname(path.resolve(file)), { recursive: true });
		await writeFile(file, text);
		const tools = compiled.services.reduce((n, s) => n + s.tools.length, 0);
		const timings = {
			generate_ms: Math.round(compiled.timings.generateMs),
			compile_ms: Math.round(compiled.timings.compileMs),
			build_ms: Math.round(buildMs),
			total_ms: Math.round(performance.now() - started),
		};
		if (json) {
			out(
				JSON.stringify(
					{
						format,
						out: file,
						services: compiled.services.length,
						tools,
						entries: entries.length,
						bytes: text.length,
						timings,
					},
					null,
					2,
				),
			);
		} else {
			out(
				`wrote ${entries.length} KV entries (${compiled.services.length} services, ${tools} tools, ${(text.length / 1024 / 1024).toFixed(1)} MiB) to ${file}`,
			);
			out(
				`generate ${ms(timings.generate_ms)}, compile ${ms(timings.compile_ms)}, build ${ms(timings.build_ms)}, total ${ms(timings.total_ms)}; load with \`wrangler kv bulk put ${file} --binding REGISTRY --local\``,
			);
		}
		return 0;
	},
};

export const synthCommands: Command[] = [synth];
