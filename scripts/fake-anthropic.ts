/**
 * The fake Anthropic Messages API as a process, for `npm start` and manual runs (test/fake-anthropic/server.ts).
 *
 *   npx node scripts/fake-anthropic.ts [--port 8792] [--host 127.0.0.1] [--api-key KEY]
 *
 * Prints its URL as the first stdout line; point ANTHROPIC_BASE_URL at it. Ctrl-C / SIGTERM stops it.
 */
import { parseArgs } from "node:util";
import { startFakeAnthropic } from "../test/fake-anthropic/server.ts";

function flags() {
	try {
		return parseArgs({
			options: {
				port: { type: "string", default: process.env.PENUMBRA_FAKE_ANTHROPIC_PORT ?? "8792" },
				host: { type: "string", default: "127.0.0.1" },
				"api-key": { type: "string" },
			},
		}).values;
	} catch (error) {
		process.stderr.write(
			`${error instanceof Error ? error.message : String(error)}; flags: --port, --host, --api-key\n`,
		);
		process.exit(2);
	}
}

const options = flags();
const port = Number(options.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
	process.stderr.write(`--port must be a port number, got ${options.port}\n`);
	process.exit(2);
}

try {
	const fake = await startFakeAnthropic({ port, host: options.host, apiKey: options["api-key"] });
	process.stdout.write(`${fake.url}\n`);
	const stop = () => {
		fake.close().finally(() => process.exit(0));
	};
	process.once("SIGINT", stop);
	process.once("SIGTERM", stop);
} catch (error) {
	process.stderr.write(
		`fake Anthropic could not start: ${error instanceof Error ? error.message : String(error)}\n`,
	);
	process.exit(1);
}
