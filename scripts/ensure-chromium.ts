/**
 * Chromium for the browser tests (test/browser drives Debian's `chromium` through playwright-core). When it is
 * missing, installs it with apt-get as root (or passwordless sudo); otherwise fails with one line saying what to
 * run. Used by the browser project's global setup (so `npm test` brings what it needs) and by `.ci/run`.
 *
 *   node scripts/ensure-chromium.ts      exit 0 when Chromium is there (installed if need be), 1 with the line
 *
 * CHROMIUM_PATH points at another Chromium binary (then nothing is installed).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/** Why Chromium is not there, and exactly what to run; one line. */
export class ChromiumMissing extends Error {}

function canSudo(): boolean {
	return spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0;
}

function aptGet(prefix: readonly string[], args: readonly string[]): boolean {
	const [command = "apt-get", ...rest] = [
		...prefix,
		"env",
		"DEBIAN_FRONTEND=noninteractive",
		"apt-get",
		...args,
	];
	return spawnSync(command, rest, { stdio: ["ignore", "inherit", "inherit"] }).status === 0;
}

/** Returns the Chromium path, installing Debian's `chromium` first when it is missing and that is possible. */
export function ensureChromium(say: (line: string) => void = () => {}): string {
	const configured = process.env.CHROMIUM_PATH;
	const path = configured || DEFAULT_CHROMIUM;
	if (existsSync(path)) return path;
	if (configured)
		throw new ChromiumMissing(`CHROMIUM_PATH=${configured} does not exist: point it at a Chromium binary.`);
	const command = "apt-get install -y chromium";
	if (!existsSync("/usr/bin/apt-get")) {
		throw new ChromiumMissing(
			`No Chromium at ${path} and no apt-get here: install Chromium and set CHROMIUM_PATH to its binary, then run npm test again.`,
		);
	}
	const root = process.getuid?.() === 0;
	if (!root && !canSudo()) {
		throw new ChromiumMissing(`No Chromium at ${path}: run \`sudo ${command}\`, then npm test again.`);
	}
	const prefix = root ? [] : ["sudo", "-n"];
	say(`No Chromium at ${path}: installing it (${root ? "" : "sudo "}${command})…`);
	const installed =
		aptGet(prefix, ["update", "-qq"]) &&
		aptGet(prefix, ["install", "-y", "-qq", "--no-install-recommends", "chromium"]);
	if (!installed || !existsSync(path)) {
		throw new ChromiumMissing(
			`Installing Chromium failed (see above): run \`${root ? "" : "sudo "}${command}\` yourself.`,
		);
	}
	say(`Chromium installed at ${path}`);
	return path;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
	try {
		console.log(`chromium: ${ensureChromium(console.log)}`);
	} catch (error) {
		if (!(error instanceof ChromiumMissing)) throw error;
		console.error(error.message);
		process.exit(1);
	}
}
